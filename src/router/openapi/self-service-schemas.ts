/**
 * Response shapes of the self-service, GDPR-rights, privacy and leaked-key
 * routes (/v1/keys, /v1/account/*, /v1/audit-log, /v1/privacy,
 * /v1/secret-scanning/report, /admin/v1/erasures). Open objects, as in
 * schemas.ts, checked against real responses by test/openapi.test.ts.
 */
import { z } from "@hono/zod-openapi";
import { accountSchema, apiKeySchema } from "./schemas";

const timestamp = z.iso.datetime().meta({ description: "ISO 8601" });
const nullableTimestamp = timestamp.nullable();

export const apiKeyListSchema = z.object({ object: z.literal("list"), data: z.array(apiKeySchema) }).meta({ id: "ApiKeyList" });

const consentStateSchema = z.object({ non_eu_transfer: z.boolean(), recorded_at: nullableTimestamp });

export const communicationSchema = z
  .object({
    object: z.literal("communication_preferences"),
    product_updates: z.boolean().meta({ description: "Opt-in; false until the customer grants it" }),
    recorded_at: nullableTimestamp,
    service_notices: z.literal(true).meta({ description: "Security, billing and terms notices: always sent" }),
  })
  .meta({ id: "CommunicationPreferences" });

export const accountProfileSchema = accountSchema
  .extend({
    pending_email: z.string().nullable().meta({ description: "An address asked for by PATCH, in force once confirmed from that address" }),
    restricted: z.boolean(),
    restricted_at: nullableTimestamp,
    consent: consentStateSchema,
    communication: communicationSchema.omit({ object: true }),
  })
  .meta({ id: "AccountProfile", description: "The account as its owner sees it." });

export const closureSchema = z
  .object({
    id: z.string(),
    object: z.literal("account"),
    closed: z.literal(true),
    closed_at: timestamp,
    erasure_due_at: timestamp.meta({ description: "When the account's data is erased (90 days after closure)" }),
  })
  .meta({ id: "AccountClosure" });

export const erasureSchema = z
  .object({ object: z.literal("account.erasure"), erased_at: timestamp, billing_records: z.literal("pseudonymised") })
  .meta({ id: "AccountErasure" });

export const restrictionSchema = z
  .object({
    object: z.literal("restriction"),
    restricted: z.boolean(),
    restricted_at: nullableTimestamp,
    omitted_from_logs: z.array(z.string()).meta({ description: "What request logs leave out while restricted" }),
  })
  .meta({ id: "Restriction" });

export const auditLogListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal("audit_log_entry"),
        actor: z.string().meta({ description: "key:<id>, admin, secret-scanning:<source> or system" }),
        action: z.string(),
        target: z.string().nullable(),
        details: z.record(z.string(), z.unknown()).nullable().meta({ description: "Identifiers and field names, never values" }),
        created_at: timestamp,
      }),
    ),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  })
  .meta({ id: "AuditLogList", description: "Newest first." });

const rows = (what: string) => z.array(z.record(z.string(), z.unknown())).meta({ description: what });

export const accountExportSchema = z
  .object({
    object: z.literal("account_export"),
    generated_at: timestamp,
    account: z.record(z.string(), z.unknown()).meta({ description: "Every stored field of the account" }),
    keys: rows("Keys' metadata, as the key API shows it"),
    consents: rows("Consent history"),
    audit_log: rows("Audit entries"),
    request_logs: rows("Request metadata of the last 30 days"),
    billing_ledger: rows("Usage per day and model"),
    billing_receipts: rows("One receipt per billed request"),
  })
  .meta({ id: "AccountExport", description: "format=json. With format=csv, a zip holding account.csv and one CSV per list." });

export const privacyMapSchema = z
  .object({
    object: z.literal("privacy_data_map"),
    version: z.number().int(),
    location: z.object({ jurisdiction: z.string(), hosting: z.string() }),
    legal_bases: z.record(z.string(), z.string()),
    categories: z.array(
      z.object({
        id: z.string(),
        description: z.string(),
        store: z.object({ kind: z.string(), name: z.string(), table: z.string().nullable() }),
        fields: z.array(z.string()),
        purposes: z.array(z.string()),
        legal_bases: z.array(z.string()),
        retention: z.object({ after: z.string(), period_ms: z.number().optional(), period_years: z.number().optional() }),
        on_erasure: z.enum(["deleted", "pseudonymised", "kept"]),
        held: z.boolean(),
        location: z.string(),
      }),
    ),
    recipients: z.array(
      z.object({
        endpoint: z.string(),
        name: z.string(),
        data_region: z.string(),
        requires_consent: z.boolean(),
        data: z.array(z.string()),
        purpose: z.string(),
        retention: z.record(z.string(), z.unknown()),
      }),
    ),
    processors: z
      .array(
        z.object({
          name: z.string(),
          entity: z.string(),
          purpose: z.string(),
          data: z.array(z.string()),
          when: z.string(),
          data_region: z.string(),
          transfers_outside_eu: z.boolean(),
          transfer_basis: z.string(),
          on_erasure: z.string().meta({ description: "What happens to the data held at the processor when the account is erased" }),
          source: z.string(),
        }),
      )
      .meta({ description: "Processors other than the model providers (recipients) and the host: Stripe for payments" }),
  })
  .meta({ id: "PrivacyDataMap" });

export const secretScanningFeedbackSchema = z
  .array(
    z.object({
      token_hash: z.string().meta({ description: "SHA-256 of the token, hex; the token is never echoed" }),
      token_type: z.string(),
      label: z.enum(["true_positive", "false_positive"]),
    }),
  )
  .meta({ id: "SecretScanningFeedback", description: "GitHub's feedback format, one entry per reported token, in order." });

export const reapplySchema = z
  .object({
    object: z.literal("erasure.reapply"),
    journal: z.number().int().meta({ description: "Journal entries applied" }),
    re_erased: z.number().int().meta({ description: "Accounts found again and erased again" }),
    found: z.record(z.string(), z.number().int()).meta({ description: "Erased accounts found, per table searched" }),
    logs_done: z.boolean().meta({ description: "False: request logs remain, deleted by the logger's hourly sweep" }),
  })
  .meta({ id: "ErasureReapply" });
