/** The operator API, /admin/v1/* (the ADMIN_TOKEN; every answer `Cache-Control: no-store`). */
import { z } from "@hono/zod-openapi";
import { deleteBody, putBody, versionsQuery } from "../../routes/admin-catalogue";
import { createAccountBody, createKeyBody, lookupBody, updateAccountBody } from "../../routes/admin";
import { eraseAccountBody, reapplyErasuresBody } from "../../routes/admin-erasures";
import { creditAdjustmentBody } from "../../routes/admin-credits";
import { ADMIN_ERRORS, adminSecurity, errorResponses, json, type Registry } from "../components";
import { accountListSchema, accountSchema, catalogueSchema, catalogueVersionsSchema, createdApiKeySchema } from "../schemas";
import { erasureSchema, reapplySchema } from "../self-service-schemas";

const accounts = ["Operator: accounts"];
const catalogue = ["Operator: catalogue"];
const errors = errorResponses(ADMIN_ERRORS);
const accountId = { params: z.object({ id: z.string() }) };
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: json(schema) } });

const creditAdjustmentSchema = z
  .object({
    object: z.literal("credit_adjustment"),
    id: z.string().meta({ description: "The ledger entry id: `admin:<uuid>`, or with an Idempotency-Key `admin:<account id>:<SHA-256 of the key, hex>`" }),
    kind: z.literal("adjustment"),
    amount_usd: z.number(),
    note: z.string().nullable(),
    reference: z.string().nullable(),
    created_at: z.string(),
    balance_usd: z.number().meta({ description: "The account's balance with this entry applied" }),
    applied: z.boolean().meta({ description: "false: a retry with an Idempotency-Key already used for this account; nothing was booked again" }),
  })
  .meta({ id: "CreditAdjustment" });

export function registerAdminPaths(registry: Registry): void {
  registry.registerPath({
    method: "post",
    path: "/admin/v1/accounts",
    tags: accounts,
    summary: "Create an account",
    description: "Emails are stored lower-cased and unique whatever their letter case.",
    security: adminSecurity,
    request: body(createAccountBody),
    responses: { 201: { description: "The account.", content: json(accountSchema) }, ...errors, ...errorResponses([409]) },
  });
  registry.registerPath({
    method: "post",
    path: "/admin/v1/accounts/lookup",
    tags: accounts,
    summary: "Find an account by email",
    description: "Any letter case. The email goes in the body, never the URL.",
    security: adminSecurity,
    request: body(lookupBody),
    responses: { 200: { description: "A list with the matching account, or empty.", content: json(accountListSchema) }, ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/admin/v1/accounts",
    tags: accounts,
    summary: "Refused: look accounts up with POST /admin/v1/accounts/lookup",
    description: "Always 400 `email_in_query`: emails are not taken in URLs, which end up in access logs.",
    security: adminSecurity,
    responses: errorResponses([400, 401]),
  });
  registry.registerPath({
    method: "patch",
    path: "/admin/v1/accounts/{id}",
    tags: accounts,
    summary: "Change an account's tier or status",
    description:
      "Status is the AUP enforcement state: active, warned, rate_limited, suspended, terminated; any but active needs a `reason`, which the customer is shown. Takes effect on every isolate within one second. 409 for a terminated or closed account (final). A termination also cancels the account's Stripe subscription at once, without refund.",
    security: adminSecurity,
    request: { ...accountId, ...body(updateAccountBody) },
    responses: { 200: { description: "The account.", content: json(accountSchema) }, ...errors, ...errorResponses([409]) },
  });
  registry.registerPath({
    method: "post",
    path: "/admin/v1/accounts/{id}/keys",
    tags: accounts,
    summary: "Create a key for an account",
    description: "`expires_at` takes ISO 8601 or Unix seconds; `scopes` defaults to both; `models` must be in the catalogue in force; `data_region: \"eu\"` restricts the key to EU-hosted routes; `budget` (`{limit_usd, period}`) caps its spend per UTC day, week or month.",
    security: adminSecurity,
    request: { ...accountId, ...body(createKeyBody) },
    responses: { 201: { description: "The key, with `key` shown this once.", content: json(createdApiKeySchema) }, ...errors, ...errorResponses([409]) },
  });

  registry.registerPath({
    method: "post",
    path: "/admin/v1/accounts/{id}/credits",
    tags: accounts,
    summary: "Adjust an account's credit balance",
    description:
      "A grant, correction or refund made outside Stripe: `amount_usd` is signed, non-zero, at most 9 decimals and at most 1,000,000 either way. The account's limiter applies it at once (inference admission sees it on the next request) and writes it to the credit ledger within seconds (docs/billing.md).",
    security: adminSecurity,
    request: {
      ...accountId,
      ...body(creditAdjustmentBody),
      headers: z.object({
        "idempotency-key": z
          .string()
          .optional()
          .meta({ description: "1–255 printable ASCII characters naming this adjustment: a retry with the same key (after a timeout) books nothing again and answers 200 with the same entry id, `applied: false` and the current balance. The retry's body is not compared with the first's." }),
      }),
    },
    responses: {
      201: { description: "The ledger entry and the new balance.", content: json(creditAdjustmentSchema) },
      200: { description: "A retry with an Idempotency-Key already used: the same entry id, `applied: false`, the current balance.", content: json(creditAdjustmentSchema) },
      ...errors,
    },
  });

  registry.registerPath({
    method: "get",
    path: "/admin/v1/catalogue",
    tags: catalogue,
    summary: "The catalogue in force",
    security: adminSecurity,
    responses: { 200: { description: "The catalogue.", content: json(catalogueSchema) }, ...errorResponses([401]) },
  });
  registry.registerPath({
    method: "put",
    path: "/admin/v1/catalogue",
    tags: catalogue,
    summary: "Replace the catalogue",
    description: "`if_version` names the version the change was made from; 409 `catalogue_version_conflict` when another change landed since. `models` follows the catalogue document schema (docs/routing-catalogue.md); a 400 names the field.",
    security: adminSecurity,
    request: body(putBody),
    responses: { 200: { description: "The new version.", content: json(catalogueSchema) }, ...errors, ...errorResponses([409]) },
  });
  registry.registerPath({
    method: "delete",
    path: "/admin/v1/catalogue",
    tags: catalogue,
    summary: "Revert to the seed catalogue",
    description: "A new version back to the catalogue in code; 409 as for PUT.",
    security: adminSecurity,
    request: body(deleteBody),
    responses: { 200: { description: "The new version.", content: json(catalogueSchema) }, ...errors, ...errorResponses([409]) },
  });
  registry.registerPath({
    method: "get",
    path: "/admin/v1/catalogue/versions",
    tags: catalogue,
    summary: "Catalogue history, newest first",
    security: adminSecurity,
    request: { query: versionsQuery },
    responses: { 200: { description: "The versions.", content: json(catalogueVersionsSchema) }, ...errors },
  });

  registry.registerPath({
    method: "post",
    path: "/admin/v1/erasures",
    tags: accounts,
    summary: "Erase an account at once",
    description: "An erasure request that reached the operator, or one to finish after a failure half-way (repeatable). Billing rows stay, pseudonymised.",
    security: adminSecurity,
    request: body(eraseAccountBody),
    responses: { 200: { description: "Erased.", content: json(erasureSchema) }, ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/admin/v1/erasures/reapply",
    tags: accounts,
    summary: "Re-apply the erasure journal after a restore",
    description:
      "After a D1 Time Travel restore: erases again every account the journal lists as erased, so a restore never brings one back. `journal`: the journal saved before the restore (scripts/d1-restore.ts); absent, the core database's own.",
    security: adminSecurity,
    request: body(reapplyErasuresBody),
    responses: { 200: { description: "What was erased again.", content: json(reapplySchema) }, ...errors },
  });
}
