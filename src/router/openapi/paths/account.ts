/**
 * The account's self-service and GDPR rights: /v1/account/*, /v1/audit-log.
 * Scope `manage` for all; every answer `Cache-Control: no-store`.
 */
import { z } from "@hono/zod-openapi";
import { exportQuery } from "../../export/handler";
import { communicationBody, consentBody, rectifyAccountBody, restrictionBody } from "../../routes/account";
import { auditLogQuery } from "../../routes/audit-log";
import { CUSTOMER_ERRORS, customerHeaders, customerOk, customerSecurity, errorResponses, header, json, type Registry } from "../components";
import { consentSchema } from "../schemas";
import {
  accountExportSchema,
  accountProfileSchema,
  auditLogListSchema,
  closureSchema,
  communicationSchema,
  erasureSchema,
  restrictionSchema,
} from "../self-service-schemas";

const tags = ["Account"];
const errors = errorResponses(CUSTOMER_ERRORS);
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: json(schema) } });

/** The route reads `erase` by hand: absent closes, `now` erases, anything else is a 400. */
const deleteAccountQuery = z.object({
  erase: z.literal("now").optional().meta({ description: "`now`: erase at once instead of closing" }),
});

export function registerAccountPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/v1/account",
    tags,
    summary: "Read the account (access)",
    description: "Scope `manage`. The profile with the pending email change, restriction, consent and communication preferences.",
    security: customerSecurity,
    responses: { 200: customerOk("The account.", accountProfileSchema), ...errors },
  });
  registry.registerPath({
    method: "patch",
    path: "/v1/account",
    tags,
    summary: "Correct the account (rectification)",
    description:
      "Scope `manage`. Name, company, billing address (replaced as a whole; null clears it); a new email becomes `pending_email` and takes effect once confirmed from that address: the API sends no mail, the console mails the link (\"Send the confirmation link again\" under Privacy and data, Your details). An address another account holds is taken as pending like any other (the answer does not tell), and can never be confirmed.",
    security: customerSecurity,
    request: body(rectifyAccountBody),
    responses: { 200: customerOk("The account.", accountProfileSchema), ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/account",
    tags,
    summary: "Close the account, or erase it now (erasure)",
    description:
      "Scope `manage`. Without `erase`: closes the account, stops its keys at once, cancels a `pro` subscription at once (without proration or refund) and erases its data 90 days later. `erase=now`: erases every personal datum at once (billing rows stay, pseudonymised) and deletes the account's Stripe customer; the key used stops working.",
    security: customerSecurity,
    request: { query: deleteAccountQuery },
    responses: {
      200: {
        description: "Closed (`AccountClosure`), or with `erase=now` erased (`AccountErasure`).",
        headers: customerHeaders,
        content: json(z.union([closureSchema, erasureSchema])),
      },
      ...errors,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/account/export",
    tags,
    summary: "Export everything stored about the account (access, portability)",
    description: "Scope `manage`. `format=json` (default): one JSON document; `format=csv`: a zip with one CSV per dataset. Streamed as a download; audited.",
    security: customerSecurity,
    request: { query: exportQuery },
    responses: {
      200: {
        description: "The export, as an attachment.",
        headers: { ...customerHeaders, "content-disposition": header("attachment; filename=\"emby-export-<account>-<date>.json|zip\"") },
        content: { ...json(accountExportSchema), "application/zip": { schema: z.string().meta({ format: "binary" }) } },
      },
      ...errors,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/account/consent",
    tags,
    summary: "Read the consent to processing outside the EU",
    description: "Scope `manage`.",
    security: customerSecurity,
    responses: { 200: customerOk("The consent in force.", consentSchema), ...errors },
  });
  registry.registerPath({
    method: "put",
    path: "/v1/account/consent",
    tags,
    summary: "Grant or withdraw the consent to processing outside the EU",
    description: "Scope `manage`. Recorded with its history; a withdrawal applies to the next request on every isolate.",
    security: customerSecurity,
    request: body(consentBody),
    responses: { 200: customerOk("The consent now in force.", consentSchema), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/account/restriction",
    tags,
    summary: "Read the restriction of processing",
    description: "Scope `manage`.",
    security: customerSecurity,
    responses: { 200: customerOk("The restriction in force.", restrictionSchema), ...errors },
  });
  registry.registerPath({
    method: "put",
    path: "/v1/account/restriction",
    tags,
    summary: "Restrict processing to what is essential (restriction)",
    description: "Scope `manage`. While restricted, request logs leave out what is not essential (`omitted_from_logs`), from this request on.",
    security: customerSecurity,
    request: body(restrictionBody),
    responses: { 200: customerOk("The restriction now in force.", restrictionSchema), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/account/communication",
    tags,
    summary: "Read communication preferences",
    description: "Scope `manage`. `product_updates` is off unless the customer opts in; service notices are always sent.",
    security: customerSecurity,
    responses: { 200: customerOk("The preferences.", communicationSchema), ...errors },
  });
  registry.registerPath({
    method: "put",
    path: "/v1/account/communication",
    tags,
    summary: "Set communication preferences (objection)",
    description: "Scope `manage`. Each decision is kept in the consent history.",
    security: customerSecurity,
    request: body(communicationBody),
    responses: { 200: customerOk("The preferences now in force.", communicationSchema), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/audit-log",
    tags,
    summary: "The account's audit log",
    description:
      "Scope `manage`. Every operator, key-management, account and leaked-key action on the account, identifiers only, newest first. Page with `limit` (1-100, default 20) and the last id seen as `after` (OpenAI's name) or `starting_after` (Stripe's), not both; an id that is not this account's entry is a 404.",
    security: customerSecurity,
    request: { query: auditLogQuery },
    responses: { 200: customerOk("A page of audit entries.", auditLogListSchema), ...errors },
  });
}
