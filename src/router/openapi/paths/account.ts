/**
 * The account's self-service and GDPR rights: /v1/account/*, /v1/audit-log.
 * Scope `manage` for all. Only the consent routes are served today; the rest
 * are listed in pending.ts with placeholder schemas.
 */
import { z } from "@hono/zod-openapi";
import { consentBody } from "../../routes/account";
import { CUSTOMER_ERRORS, customerSecurity, errorResponses, json, placeholderBody, placeholderQuery, type Registry } from "../components";
import { accountSchema, consentSchema, openObject } from "../schemas";

const tags = ["Account"];
const errors = errorResponses(CUSTOMER_ERRORS);

export function registerAccountPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/v1/account/consent",
    tags,
    summary: "Read the consent to processing outside the EU",
    description: "Scope `manage`.",
    security: customerSecurity,
    responses: { 200: { description: "The consent in force.", content: json(consentSchema) }, ...errors },
  });
  registry.registerPath({
    method: "put",
    path: "/v1/account/consent",
    tags,
    summary: "Grant or withdraw the consent to processing outside the EU",
    description: "Scope `manage`. Recorded with its history; a withdrawal applies to the next request.",
    security: customerSecurity,
    request: { body: { required: true, content: json(consentBody) } },
    responses: { 200: { description: "The consent now in force.", content: json(consentSchema) }, ...errors },
  });

  // Pending (pending.ts): shapes from the product contract.
  registry.registerPath({
    method: "get",
    path: "/v1/account",
    tags,
    summary: "Read the account (access)",
    description: "Scope `manage`. `Cache-Control: no-store`.",
    security: customerSecurity,
    responses: { 200: { description: "The account.", content: json(accountSchema) }, ...errors },
  });
  registry.registerPath({
    method: "patch",
    path: "/v1/account",
    tags,
    summary: "Correct the account (rectification)",
    description: "Scope `manage`. Name, company, billing address; a new email takes effect once confirmed from that address.",
    security: customerSecurity,
    request: { body: { required: true, content: json(placeholderBody("the account update body")) } },
    responses: { 200: { description: "The account.", content: json(accountSchema) }, ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/account",
    tags,
    summary: "Close the account, or erase it now (erasure)",
    description: "Scope `manage`. Closing stops its keys at once and erases its data 90 days later; `erase=now` erases every personal datum at once (billing rows stay, pseudonymised).",
    security: customerSecurity,
    request: { query: z.object({ erase: z.literal("now").optional() }) },
    responses: { 200: { description: "The account as closed or erased.", content: json(openObject("Placeholder for the closure answer")) }, ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/account/export",
    tags,
    summary: "Export everything stored about the account (access, portability)",
    description: "Scope `manage`. JSON as one document, CSV one file per dataset in a zip; streamed.",
    security: customerSecurity,
    request: { query: z.object({ format: z.enum(["json", "csv"]).optional() }) },
    responses: {
      200: {
        description: "The export.",
        content: { ...json(openObject("Placeholder for the export document")), "application/zip": { schema: z.string().meta({ format: "binary" }) } },
      },
      ...errors,
    },
  });
  registry.registerPath({
    method: "put",
    path: "/v1/account/restriction",
    tags,
    summary: "Restrict processing to what is essential (restriction)",
    description: "Scope `manage`. The logger then leaves out what is not essential (IP address, user agent).",
    security: customerSecurity,
    request: { body: { required: true, content: json(placeholderBody("the restriction body")) } },
    responses: { 200: { description: "The restriction in force.", content: json(openObject("Placeholder for the restriction view")) }, ...errors },
  });
  for (const method of ["get", "put"] as const) {
    registry.registerPath({
      method,
      path: "/v1/account/communication",
      tags,
      summary: method === "get" ? "Read communication preferences" : "Set communication preferences (objection)",
      description: "Scope `manage`. `product_updates` is off unless the customer opts in; service notices are always sent.",
      security: customerSecurity,
      ...(method === "put" ? { request: { body: { required: true, content: json(placeholderBody("the communication preferences body")) } } } : {}),
      responses: { 200: { description: "The preferences.", content: json(openObject("Placeholder for the preferences view")) }, ...errors },
    });
  }
  registry.registerPath({
    method: "get",
    path: "/v1/audit-log",
    tags,
    summary: "The account's audit log",
    description: "Scope `manage`. Every operator and key-management action on the account, identifiers only.",
    security: customerSecurity,
    request: { query: placeholderQuery("the audit-log query") },
    responses: { 200: { description: "Audit entries.", content: json(openObject("Placeholder for the audit entry list")) }, ...errors },
  });
}
