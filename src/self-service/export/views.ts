/**
 * The export's rows. The stored columns under their own (snake_case) names,
 * timestamps as ISO 8601, nothing left out but the account id each row
 * repeats and authentication material: a key's hash, a console session's id
 * hash, a passkey's credential id, public key and signature counter. CSV columns are paths into these objects
 * (`limits.rpm`); a list or a free-form object is one cell of JSON text.
 */
import type { billingReceipts, CreditLedgerRow, UsageRow } from "../../db/billing-schema";
import type { RequestLog } from "../../db/logs-schema";
import type { Account, agreements, ApiKey, billingAccounts, consents, ConsoleSession, Passkey } from "../../db/schema";
import { accountView, auditEntryView, iso, keyView } from "../views";

/** Flat views: the CSV columns are the view's own keys (checked by the compiler). */
type Columns<V> = readonly (keyof V & string)[];

/** The account with everything stored on its row, also what the account view leaves out. */
export function accountExportView(a: Account) {
  return { ...accountView(a), status_reason: a.statusReason, restricted_at: iso(a.restrictedAt), pending_email: a.pendingEmail };
}

export const ACCOUNT_COLUMNS = [
  "id", "email", "name", "company",
  "billing_address.line1", "billing_address.line2", "billing_address.city", "billing_address.postal_code", "billing_address.country",
  "tier", "status", "status_reason", "created_at", "updated_at", "closed_at", "restricted_at", "pending_email",
] as const;

/** A key's metadata as the key API shows it (never its hash), with its spend budget as stored. */
export function keyExportView(k: ApiKey) {
  // The API view's budget carries spend, which lives in the limiter object, not in what the account stores.
  const { budget: _spend, ...view } = keyView(k);
  return { ...view, budget_nano_usd: k.budgetNanoUsd, budget_period: k.budgetPeriod };
}

export const KEY_COLUMNS = [
  "id", "name", "prefix", "status", "scopes", "limits.rpm", "limits.tpm", "limits.concurrency", "models", "data_region",
  "created_at", "last_used_at", "expires_at", "revoked_at", "revoked_reason", "replaced_by", "rotation_due",
  "budget_nano_usd", "budget_period", "cache_ttl",
] as const;

export function consentExportView(r: typeof consents.$inferSelect) {
  return { id: r.id, kind: r.kind, granted: r.granted, source: r.source, recorded_at: iso(r.recordedAt) };
}

export const CONSENT_COLUMNS = ["id", "kind", "granted", "source", "recorded_at"] as const satisfies Columns<ReturnType<typeof consentExportView>>;

export const AUDIT_COLUMNS = ["id", "actor", "action", "target", "details", "created_at"] as const satisfies Columns<ReturnType<typeof auditEntryView>>;

export function requestLogExportView(r: RequestLog) {
  return {
    request_id: r.requestId,
    key_id: r.keyId,
    endpoint: r.endpoint,
    method: r.method,
    model: r.model,
    provider: r.provider,
    upstream_model: r.upstreamModel,
    attempts: r.attempts,
    route: r.route,
    data_region: r.dataRegion,
    attempt_log: r.attemptLog,
    received_at: iso(r.receivedAt),
    first_byte_at: iso(r.firstByteAt),
    completed_at: iso(r.completedAt),
    latency_ms: r.latencyMs,
    status: r.status,
    error_code: r.errorCode,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cached_tokens: r.cachedTokens,
    reasoning_tokens: r.reasoningTokens,
    usage_estimated: r.usageEstimated,
    cost_nano_usd: r.costNanoUsd,
    streamed: r.streamed,
    client_aborted: r.clientAborted,
    cache: r.cache,
    ip: r.ip,
    user_agent: r.userAgent,
    edge_location: r.edgeLocation,
    logged_at: iso(r.loggedAt),
  };
}

/**
 * Costs stay in billionths of a US dollar, as stored: exact integers. They
 * are the customer's price; the provider cost stored next to them is the
 * operator's margin, not data about the customer, and is never exported.
 */
export function ledgerExportView(r: UsageRow) {
  return {
    day: r.day,
    model: r.model,
    requests: r.requests,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cached_tokens: r.cachedTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_nano_usd: r.costNanoUsd,
    updated_at: iso(r.updatedAt),
  };
}

export function receiptExportView(r: typeof billingReceipts.$inferSelect) {
  return {
    request_id: r.requestId,
    run_id: r.runId,
    day: r.day,
    model: r.model,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cached_tokens: r.cachedTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_nano_usd: r.costNanoUsd,
    billed_at: iso(r.billedAt),
  };
}

/** A credit ledger entry, its amount in nano-USD as stored (never its provider cost, as above). */
export function creditLedgerExportView(r: CreditLedgerRow) {
  return {
    entry_id: r.entryId,
    kind: r.kind,
    amount_nano_usd: r.amountNanoUsd,
    requests: r.requests,
    paid_minor: r.paidMinor,
    currency: r.currency,
    reference: r.reference,
    note: r.note,
    created_at: iso(r.createdAt),
  };
}

export const CREDIT_LEDGER_COLUMNS = [
  "entry_id", "kind", "amount_nano_usd", "requests", "paid_minor", "currency", "reference", "note", "created_at",
] as const satisfies Columns<ReturnType<typeof creditLedgerExportView>>;

/** The account's link to Stripe: its customer and subscription as the webhooks left them, and its low-balance notice. */
export function billingAccountExportView(r: typeof billingAccounts.$inferSelect) {
  return {
    stripe_customer_id: r.stripeCustomerId,
    subscription_id: r.subscriptionId,
    subscription_state: r.subscriptionState,
    current_period_end: iso(r.currentPeriodEnd),
    cancel_at_period_end: r.cancelAtPeriodEnd,
    payment_failed_at: iso(r.paymentFailedAt),
    subscription_event_at: iso(r.subscriptionEventAt),
    low_balance_threshold_nano_usd: r.lowBalanceThresholdNano,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export const BILLING_ACCOUNT_COLUMNS = [
  "stripe_customer_id", "subscription_id", "subscription_state", "current_period_end", "cancel_at_period_end", "payment_failed_at",
  "subscription_event_at", "low_balance_threshold_nano_usd", "created_at", "updated_at",
] as const satisfies Columns<ReturnType<typeof billingAccountExportView>>;

export const REQUEST_LOG_COLUMNS = [
  "request_id", "key_id", "endpoint", "method", "model", "provider", "upstream_model", "attempts", "route", "data_region", "attempt_log",
  "received_at", "first_byte_at", "completed_at", "latency_ms", "status", "error_code",
  "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "usage_estimated", "cost_nano_usd",
  "streamed", "client_aborted", "cache", "ip", "user_agent", "edge_location", "logged_at",
] as const satisfies Columns<ReturnType<typeof requestLogExportView>>;

export const LEDGER_COLUMNS = [
  "day", "model", "requests", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cost_nano_usd", "updated_at",
] as const satisfies Columns<ReturnType<typeof ledgerExportView>>;

export const RECEIPT_COLUMNS = [
  "request_id", "run_id", "day", "model", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cost_nano_usd", "billed_at",
] as const satisfies Columns<ReturnType<typeof receiptExportView>>;

export function agreementExportView(r: typeof agreements.$inferSelect) {
  return { id: r.id, document: r.document, version: r.version, accepted_at: iso(r.acceptedAt), source: r.source };
}

export const AGREEMENT_COLUMNS = ["id", "document", "version", "accepted_at", "source"] as const satisfies Columns<ReturnType<typeof agreementExportView>>;

/** A console sign-in: the device and when. Its id hash is what the cookie proves; it says nothing about the person. */
export function consoleSessionExportView(r: ConsoleSession) {
  return { device: r.device, created_at: iso(r.createdAt), last_seen_at: iso(r.lastSeenAt), expires_at: iso(r.expiresAt) };
}

export const CONSOLE_SESSION_COLUMNS = ["device", "created_at", "last_seen_at", "expires_at"] as const satisfies Columns<ReturnType<typeof consoleSessionExportView>>;

/**
 * A passkey as the person knows it: its name, when added and last used, the
 * transports the browser reported. The credential id, public key and counter
 * are the authenticator's machine material, like a key's hash.
 */
export function passkeyExportView(r: Passkey) {
  return { name: r.name, created_at: iso(r.createdAt), last_used_at: iso(r.lastUsedAt), transports: r.transports };
}

export const PASSKEY_COLUMNS = ["name", "created_at", "last_used_at", "transports"] as const satisfies Columns<ReturnType<typeof passkeyExportView>>;
