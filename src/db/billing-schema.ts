/**
 * Billing database (binding BILLING_DB): kept apart from everything else and
 * holding only transaction information (opaque account id, day, model,
 * counts, cost). Written only by the logger worker. Listed in
 * docs/storage.md; keep both in step.
 */
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Usage per account, UTC day and model: the billing record, kept
 * BILLING_RETENTION_YEARS (7) calendar years after its day.
 */
export const usageLedger = sqliteTable(
  "usage_ledger",
  {
    accountId: text("account_id").notNull(),
    /** UTC calendar day, YYYY-MM-DD (sorts and compares as text). */
    day: text("day").notNull(),
    /** Catalogue model id. */
    model: text("model").notNull(),
    requests: integer("requests").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    cachedTokens: integer("cached_tokens").notNull(),
    reasoningTokens: integer("reasoning_tokens").notNull(),
    /** What the customer is charged, in billionths of a US dollar: integers add up exactly, floats would drift. */
    costNanoUsd: integer("cost_nano_usd").notNull(),
    /** What the providers charge us for the same requests (the operator's margin is the difference). */
    providerCostNanoUsd: integer("provider_cost_nano_usd").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.day, t.model] }), index("usage_ledger_day_idx").on(t.day)],
);

/**
 * One receipt per billed request: what makes the ledger idempotent. A consumer
 * run inserts receipts (a request already receipted is skipped) tagged with
 * its own run id, then adds exactly the rows tagged with that id to the
 * ledger, in the same D1 transaction. Kept BILLING_RECEIPT_RETENTION_MS (30
 * days), longer than any queue redelivery can take.
 */
export const billingReceipts = sqliteTable(
  "billing_receipts",
  {
    requestId: text("request_id").primaryKey(),
    /** The consumer run that inserted the receipt. */
    runId: text("run_id").notNull(),
    accountId: text("account_id").notNull(),
    day: text("day").notNull(),
    model: text("model").notNull(),
    promptTokens: integer("prompt_tokens").notNull(),
    completionTokens: integer("completion_tokens").notNull(),
    cachedTokens: integer("cached_tokens").notNull(),
    reasoningTokens: integer("reasoning_tokens").notNull(),
    costNanoUsd: integer("cost_nano_usd").notNull(),
    providerCostNanoUsd: integer("provider_cost_nano_usd").notNull().default(0),
    billedAt: integer("billed_at").notNull(),
  },
  // The account index serves the account's export and its erasure's pseudonymisation, which would otherwise scan 30 days of everyone's receipts.
  (t) => [index("billing_receipts_run_idx").on(t.runId), index("billing_receipts_billed_at_idx").on(t.billedAt), index("billing_receipts_account_idx").on(t.accountId, t.requestId)],
);

export const LEDGER_KINDS = ["topup", "usage", "subscription", "refund", "adjustment"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * The credit ledger: every change to an account's prepaid balance, and every
 * subscription payment (amount 0: it buys a tier, not credit). The balance is
 * the sum of `amount_nano_usd` over the account's entries. Entries are made
 * by the account's limiter object, which holds the balance, and copied here
 * by its alarm, idempotently by entry id (src/billing/ledger-sync.ts), so a
 * store outage delays an entry, never loses it. Kept 7 years; erasure
 * pseudonymises `account_id`.
 */
export const creditLedger = sqliteTable(
  "credit_ledger",
  {
    entryId: text("entry_id").primaryKey(),
    accountId: text("account_id").notNull(),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    /** Signed change to the balance, nano-USD of customer price. */
    amountNanoUsd: integer("amount_nano_usd").notNull(),
    /** Usage entries: the provider cost of the same requests (operator margin); 0 otherwise. */
    providerCostNanoUsd: integer("provider_cost_nano_usd").notNull().default(0),
    /** Usage entries: how many requests they settle. */
    requests: integer("requests").notNull().default(0),
    /** Money received or refunded, in the currency's minor unit (cents); null for usage and adjustments. */
    paidMinor: integer("paid_minor"),
    currency: text("currency"),
    /** Stripe object the entry comes from (checkout session, invoice, charge), or the operator's reference. */
    reference: text("reference"),
    /** Operator note on an adjustment; never customer content. */
    note: text("note"),
    createdAt: integer("created_at").notNull(),
  },
  // created_at alone serves the 7-year retention purge, which would otherwise scan every account's entries.
  (t) => [index("credit_ledger_account_idx").on(t.accountId, t.createdAt), index("credit_ledger_reference_idx").on(t.reference), index("credit_ledger_created_idx").on(t.createdAt)],
);

export type CreditLedgerRow = typeof creditLedger.$inferSelect;
export type UsageRow = typeof usageLedger.$inferSelect;
export type NewBillingReceipt = typeof billingReceipts.$inferInsert;
