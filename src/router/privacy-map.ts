/**
 * The machine-readable privacy data map served at GET /v1/privacy
 * (docs/privacy-map.md): what is held, where, why, on what legal basis, for
 * how long, and who receives what. Built from the things that enforce it:
 * field lists from the drizzle tables and the log event schema, periods from
 * src/shared/retention.ts and the limiter's constants, recipients from the
 * provider endpoints and their retention terms. A new column, field, period
 * or endpoint shows here without an edit, so the map cannot drift.
 */
import { getTableColumns } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { billingReceipts, creditLedger, usageLedger } from "../db/billing-schema";
import {
  accounts,
  agreements,
  apiKeys,
  auditLog,
  billingAccounts,
  consents,
  consolePageViews,
  consoleSessions,
  erasures,
  passkeys,
  signInLinks,
  stripeEvents,
  webauthnChallenges,
} from "../db/schema";
import { CACHE_COLUMNS, CACHE_PURGE_MEMORY_MS } from "../cache/store";
import { ACCESS_RECORD_TTL_MS, ACCESS_TABLES } from "../limits/access-state";
import { BUDGET_OVERRIDE_COLUMNS } from "../limits/budget-overrides";
import { CREDIT_TABLES, RECLAIMED_TTL_MS } from "../billing/credit-book";
import { LEDGER_FLUSH_DELAY_MS } from "../billing/pending-ledger";
import { LOW_BALANCE_COLUMNS, NOTICE_MAX_PENDING_MS } from "../billing/low-balance";
import { LEASE_TTL_MS } from "../limits/limiter";
import { LIMITER_REQUEST_COLUMNS } from "../limits/request-rows";
import { WINDOW_MS } from "../limits/window";
import { ENDPOINTS } from "../providers/endpoints";
import { endpointRetention } from "../providers/route-retention";
import { logEventSchema } from "../shared/log-event";
import {
  BILLING_RECEIPT_RETENTION_MS,
  BILLING_RETENTION_YEARS,
  CACHE_TTL_MS,
  CLOSED_ACCOUNT_RETENTION_MS,
  CONSOLE_EXPIRED_GRACE_MS,
  CONSOLE_LINK_TTL_MS,
  CONSOLE_PAGE_VIEW_RETENTION_DAYS,
  CONSOLE_SESSION_ABSOLUTE_MS,
  ERASURE_JOURNAL_RETENTION_MS,
  LOG_RETENTION_MS,
  STRIPE_EVENT_RETENTION_MS,
} from "../shared/retention";

export const PRIVACY_MAP_VERSION = 1;

/** GDPR Art. 6(1) bases this service relies on. */
const LEGAL_BASES = {
  contract: "GDPR Art. 6(1)(b)",
  legal_obligation: "GDPR Art. 6(1)(c)",
  legitimate_interests: "GDPR Art. 6(1)(f)",
  consent: "GDPR Art. 6(1)(a)",
} as const;
type LegalBasis = keyof typeof LEGAL_BASES;

/** How long a category is kept: a period after an event (ms), or calendar years after one. */
type Retention = { after: string; period_ms: number } | { after: string; period_years: number };

interface Category {
  id: string;
  description: string;
  /** Where it lives: every store is in the EU jurisdiction. */
  store: { kind: "d1" | "durable_object" | "none"; name: string; table: string | null };
  fields: string[];
  purposes: string[];
  legal_bases: LegalBasis[];
  retention: Retention;
  /** What erasure on request (or 90 days after closure) does to it. */
  on_erasure: "deleted" | "pseudonymised" | "kept";
  /** Whether the service holds data of this category (part of the published format; a category not yet in use would say false). */
  held: boolean;
}

const columns = (table: SQLiteTable): string[] => Object.values(getTableColumns(table)).map((c) => c.name);

const CORE = { kind: "d1", name: "emby-core" } as const;
/** Account data goes 90 days after closure, or at once on request. */
const UNTIL_CLOSURE: Retention = { after: "account_closed_at", period_ms: CLOSED_ACCOUNT_RETENTION_MS };

/**
 * The log event's fields, what each request log row holds; `v`, the event
 * format's version, describes the message rather than anyone.
 */
export function requestLogFields(): string[] {
  return Object.keys(logEventSchema.shape).filter((k) => k !== "v");
}

function categories(): Category[] {
  return [
    {
      id: "account_profile", description: "The account: email, name, company, billing address, tier and status.",
      store: { ...CORE, table: "accounts" }, fields: columns(accounts),
      purposes: ["provide_the_service", "billing_contact", "acceptable_use_enforcement"], legal_bases: ["contract"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "api_keys", description: "API keys' metadata; the key itself only as a SHA-256 hash.",
      store: { ...CORE, table: "api_keys" }, fields: columns(apiKeys),
      purposes: ["authentication", "per_key_limits"], legal_bases: ["contract"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "consents", description: "Consent history (non-EU transfer, product updates): every grant and withdrawal.",
      store: { ...CORE, table: "consents" }, fields: columns(consents),
      purposes: ["record_consent", "route_within_consent"], legal_bases: ["legal_obligation"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "audit_log", description: "Who changed what on the account and its keys: identifiers and field names only.",
      store: { ...CORE, table: "audit_log" }, fields: columns(auditLog),
      purposes: ["security", "accountability"], legal_bases: ["legitimate_interests"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "agreements", description: "Which version of the privacy policy and the acceptable use policy the account accepted at sign-up, and its 18+ confirmation.",
      store: { ...CORE, table: "agreements" }, fields: columns(agreements),
      purposes: ["record_acceptance"], legal_bases: ["contract", "legal_obligation"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "console_sessions", description: "Console sign-ins: the session id only as a SHA-256, the device as browser and system (never the user agent or an address), when.",
      store: { ...CORE, table: "console_sessions" }, fields: columns(consoleSessions),
      purposes: ["authentication", "security"], legal_bases: ["contract"],
      // Deleted by the cron a day after it expires (idle or absolute), at the latest.
      retention: { after: "signed_in_at", period_ms: CONSOLE_SESSION_ABSOLUTE_MS + CONSOLE_EXPIRED_GRACE_MS }, on_erasure: "deleted", held: true,
    },
    {
      id: "sign_in_links", description: "Sign-in and sign-up links sent by email: the address, the token only as a SHA-256, and a sign-up's name and choices until it is followed.",
      store: { ...CORE, table: "sign_in_links" }, fields: columns(signInLinks),
      purposes: ["authentication"], legal_bases: ["contract"],
      retention: { after: "sent_at", period_ms: CONSOLE_LINK_TTL_MS + CONSOLE_EXPIRED_GRACE_MS }, on_erasure: "deleted", held: true,
    },
    {
      id: "passkeys", description: "Passkeys that sign in to the console: the credential id, its public key (never a private key or biometric), a signature counter, the transports the browser reported, the name given to it, when added and last used.",
      store: { ...CORE, table: "passkeys" }, fields: columns(passkeys),
      purposes: ["authentication"], legal_bases: ["contract"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "webauthn_challenges", description: "A passkey ceremony's random challenge between its two requests (and, when adding a passkey, the account's id); one use.",
      store: { ...CORE, table: "webauthn_challenges" }, fields: columns(webauthnChallenges),
      purposes: ["authentication"], legal_bases: ["contract"],
      retention: { after: "issued_at", period_ms: CONSOLE_LINK_TTL_MS + CONSOLE_EXPIRED_GRACE_MS }, on_erasure: "deleted", held: true,
    },
    {
      id: "console_page_views", description: "Console page views per day and page, counted only for visitors who allowed analytics; no identifier of anyone.",
      store: { ...CORE, table: "console_page_views" }, fields: columns(consolePageViews),
      purposes: ["product_analytics"], legal_bases: ["consent"],
      retention: { after: "day", period_ms: CONSOLE_PAGE_VIEW_RETENTION_DAYS * 24 * 60 * 60 * 1000 }, on_erasure: "kept", held: true,
    },
    {
      id: "request_logs", description: "Metadata of each API request; never prompt or response content.",
      store: { kind: "d1", name: "emby-logs", table: "request_logs" }, fields: requestLogFields(),
      purposes: ["usage_reporting", "debugging", "abuse_prevention"], legal_bases: ["contract", "legitimate_interests"],
      retention: { after: "received_at", period_ms: LOG_RETENTION_MS }, on_erasure: "deleted", held: true,
    },
    {
      id: "billing_ledger", description: "Usage per account, day and model: transaction information only.",
      store: { kind: "d1", name: "emby-billing", table: "usage_ledger" }, fields: columns(usageLedger),
      purposes: ["billing", "accounting"], legal_bases: ["legal_obligation"],
      retention: { after: "day", period_years: BILLING_RETENTION_YEARS }, on_erasure: "pseudonymised", held: true,
    },
    {
      id: "billing_receipts", description: "One receipt per billed request, so that a redelivered log message is not billed twice.",
      store: { kind: "d1", name: "emby-billing", table: "billing_receipts" }, fields: columns(billingReceipts),
      purposes: ["billing"], legal_bases: ["contract"],
      retention: { after: "billed_at", period_ms: BILLING_RECEIPT_RETENTION_MS }, on_erasure: "pseudonymised", held: true,
    },
    {
      id: "credit_ledger", description: "Every change to the prepaid balance (top-ups, usage debits, subscription payments, refunds, adjustments): transaction information only.",
      store: { kind: "d1", name: "emby-billing", table: "credit_ledger" }, fields: columns(creditLedger),
      purposes: ["billing", "accounting"], legal_bases: ["legal_obligation"],
      retention: { after: "created_at", period_years: BILLING_RETENTION_YEARS }, on_erasure: "pseudonymised", held: true,
    },
    {
      id: "billing_account", description: "The account's Stripe customer and subscription (id, state, period end, failed payment) and its low-balance notice threshold.",
      store: { ...CORE, table: "billing_accounts" }, fields: columns(billingAccounts),
      purposes: ["billing", "tier_management"], legal_bases: ["contract"],
      retention: UNTIL_CLOSURE, on_erasure: "deleted", held: true,
    },
    {
      id: "stripe_events", description: "Ids and types of the Stripe webhook events already applied, so a redelivery is not applied twice; no account id.",
      store: { ...CORE, table: "stripe_events" }, fields: columns(stripeEvents),
      purposes: ["billing"], legal_bases: ["contract"],
      retention: { after: "processed_at", period_ms: STRIPE_EVENT_RETENTION_MS }, on_erasure: "kept", held: true,
    },
    {
      id: "limiter_state", description: "The account's rate and concurrency window: one row per recent request.",
      // The object's SQLite table (src/limits/limiter.ts).
      store: { kind: "durable_object", name: "AccountLimiter", table: "requests" }, fields: [...LIMITER_REQUEST_COLUMNS],
      purposes: ["rate_limits"], legal_bases: ["contract"],
      // A row leaves the window after WINDOW_MS; an unreleased lease is reclaimed after LEASE_TTL_MS.
      retention: { after: "admission", period_ms: Math.max(WINDOW_MS, LEASE_TTL_MS) }, on_erasure: "deleted", held: true,
    },
    ...(["access_stops", "access_facts"] as const).map((table): Category => ({
      id: `limiter_${table}`,
      description:
        table === "access_stops"
          ? "Keys revoked or rotated out, and when they stop: so every router isolate refuses them at once."
          : "The account's latest status (with the operator's reason), closure, non-EU consent and restriction: so every router isolate applies them at once.",
      // The limiter object's SQLite tables (src/limits/access-state.ts).
      store: { kind: "durable_object", name: "AccountLimiter", table }, fields: [...ACCESS_TABLES[table]],
      purposes: ["access_control", "acceptable_use_enforcement"], legal_bases: ["contract", "legitimate_interests"],
      // Kept only while a router isolate may still hold a view read before the change (a key stop: after it takes effect).
      retention: { after: table === "access_stops" ? "stop_at" : "recorded_at", period_ms: ACCESS_RECORD_TTL_MS }, on_erasure: "deleted", held: true,
    })),
    {
      id: "limiter_access_budgets", description: "Key budgets changed a moment ago: so every router isolate enforces the new budget at once.",
      // The limiter object's SQLite table (src/limits/budget-overrides.ts).
      store: { kind: "durable_object", name: "AccountLimiter", table: "access_budgets" }, fields: [...BUDGET_OVERRIDE_COLUMNS],
      purposes: ["spend_limits"], legal_bases: ["contract"],
      retention: { after: "recorded_at", period_ms: ACCESS_RECORD_TTL_MS }, on_erasure: "deleted", held: true,
    },
    ...creditCategories(),
    {
      id: "erasure_journal", description: "A SHA-256 of each erased account's id and when, so a database restore re-applies the erasure.",
      store: { ...CORE, table: "erasures" }, fields: columns(erasures),
      purposes: ["keep_erasures_after_restore"], legal_bases: ["legal_obligation"],
      retention: { after: "erased_at", period_ms: ERASURE_JOURNAL_RETENTION_MS }, on_erasure: "kept", held: true,
    },
    {
      id: "response_cache",
      description:
        "The only prompt or response content at rest: complete answers to requests that opted in (x-emby-cache-ttl, or the key's cache_ttl), " +
        "in the account's own limiter object in the EU jurisdiction, encrypted with AES-256-GCM under a per-account key derived by HKDF from the operator's secret and the account's random salt. " +
        "At most 24 hours; never served after expiry, and deleted within minutes of it. All the account's entries are deleted at once by DELETE /v1/cache, by clearing a key's cache_ttl, and on closure and erasure (which also delete the salt, so no entry can be opened).",
      // The limiter object's SQLite table (src/cache/store.ts); `ciphertext` is the only content at rest.
      store: { kind: "durable_object", name: "AccountLimiter", table: "cache_entries" }, fields: [...CACHE_COLUMNS],
      purposes: ["response_cache"], legal_bases: ["contract"],
      retention: { after: "created_at", period_ms: CACHE_TTL_MS }, on_erasure: "deleted", held: true,
    },
    {
      id: "response_cache_purge",
      description: "When the account's response cache was last purged (a time only: never prompt or response content), so that answers still in flight are not stored after a withdrawal or erasure.",
      store: { kind: "durable_object", name: "AccountLimiter", table: "cache_purges" }, fields: ["id", "purged_at"],
      purposes: ["response_cache"], legal_bases: ["contract"], retention: { after: "purged_at", period_ms: CACHE_PURGE_MEMORY_MS }, on_erasure: "kept", held: true,
    },
  ];
}

/** Every provider endpoint the router can send a request to, with what it keeps (as this router is configured). */
function recipients(env: Env) {
  return Object.values(ENDPOINTS).map((endpoint) => {
    const { zdr, days, purposes, source, origin } = endpointRetention(endpoint, env);
    return {
      endpoint: endpoint.id,
      name: endpoint.label,
      data_region: endpoint.region,
      /** Requests go to an endpoint outside the EU only for accounts that consented (and keys not limited to the EU). */
      requires_consent: endpoint.region !== "eu",
      data: ["request_content", "model_output"],
      purpose: "inference",
      retention: { zdr, days, purposes, source, origin },
    };
  });
}

/**
 * Processors other than the model providers and the host (Cloudflare, in
 * `location`). Stripe takes payments: an account that opens Checkout or the
 * Customer Portal becomes a Stripe customer with its email, name, company
 * and billing address; card details are entered on Stripe's pages and never
 * reach this service. The account id goes too, to match Stripe's events to
 * the account (src/billing/checkout.ts): as the customer's metadata, the
 * Checkout Session's `client_reference_id` and metadata, and the metadata of
 * its PaymentIntent or subscription. Stripe processes outside the EU: its privacy policy
 * (https://stripe.com/privacy, "International Data Transfers") says personal
 * data is transferred to and processed in the United States and other
 * countries where Stripe operates, under the EU-U.S. Data Privacy Framework
 * and the Standard Contractual Clauses (its DPA, https://stripe.com/legal/dpa);
 * the contracting entity for EEA businesses is Stripe Payments Europe,
 * Limited, Ireland (https://stripe.com/legal/privacy-center). So the map says
 * "global" and transfers_outside_eu true, plainly.
 *
 * On erasure the router deletes the Stripe customer (docs/erasure.md), which
 * ends its subscriptions and removes its saved card details (Stripe's API
 * reference, "Delete a customer"). Stripe does not delete everything: its
 * privacy policy (https://stripe.com/privacy, on retention) says it keeps
 * personal data as long as needed to meet its legal obligations, and its
 * support page on retention (https://support.stripe.com/questions/data-retention-policy)
 * that anti-money-laundering and similar laws require it to keep
 * transaction records for a prescribed period. `on_erasure` says so.
 */
function processors() {
  return [
    {
      name: "Stripe",
      entity: "Stripe Payments Europe, Limited (Ireland)",
      purpose: "payments",
      data: ["account_id", "email", "name", "company", "billing_address", "amounts_paid", "payment_details_entered_at_stripe"],
      when: "the account opens Stripe Checkout (credits, subscription) or the Customer Portal",
      data_region: "global",
      transfers_outside_eu: true,
      transfer_basis: "EU-U.S. Data Privacy Framework; Standard Contractual Clauses (Stripe's Data Processing Agreement)",
      on_erasure:
        "The Stripe customer is deleted, which ends any subscription and removes the saved payment details. Stripe keeps the payment records (charges, invoices, refunds) that the law requires it to keep, such as anti-money-laundering and tax law, for as long as that law requires; its privacy policy is the source.",
      source: "https://stripe.com/privacy",
    },
  ];
}

/** The whole document for one deployment (PROVIDER_RETENTION may change recipients' terms). */
export function privacyMap(env: Env) {
  return {
    object: "privacy_data_map",
    version: PRIVACY_MAP_VERSION,
    location: { jurisdiction: "eu", hosting: "Cloudflare (D1, Durable Objects and Queues created in the EU jurisdiction)" },
    legal_bases: LEGAL_BASES,
    categories: categories().map((c) => ({ ...c, location: "eu" })),
    recipients: recipients(env),
    processors: processors(),
  };
}

/** The limiter object's money tables (src/billing/credit-book.ts). */
function creditCategories(): Category[] {
  const limiter = (table: keyof typeof CREDIT_TABLES) => ({ store: { kind: "durable_object", name: "AccountLimiter", table }, fields: [...CREDIT_TABLES[table]] as string[] }) as const;
  const money = { purposes: ["billing", "spend_limits"], legal_bases: ["contract"] as LegalBasis[], held: true };
  return [
    { id: "limiter_credit_account", description: "The account's prepaid balance and its low-balance notice threshold.", ...limiter("credit_account"), ...money, retention: UNTIL_CLOSURE, on_erasure: "deleted" },
    {
      id: "limiter_credit_reservations", description: "Money held by each request in flight (its maximum price) until it settles.", ...limiter("credit_reservations"), ...money,
      // Settled when the response ends; a request that never settles is released after LEASE_TTL_MS.
      retention: { after: "admitted_at", period_ms: LEASE_TTL_MS }, on_erasure: "deleted",
    },
    {
      id: "limiter_credit_reclaimed", description: "Requests whose reservation was released before they settled (still running after LEASE_TTL_MS), so a late settlement is still charged.", ...limiter("credit_reclaimed"), ...money,
      retention: { after: "admitted_at", period_ms: RECLAIMED_TTL_MS }, on_erasure: "deleted",
    },
    { id: "limiter_credit_key_spend", description: "Each key's settled spend in its current day, week and month, for its budget.", ...limiter("credit_key_spend"), ...money, retention: UNTIL_CLOSURE, on_erasure: "deleted" },
    {
      id: "limiter_credit_key_alias", description: "For each key made by rotation, the key whose spend it continues (the first of its rotation chain), so a rotation never restarts a budget.",
      ...limiter("credit_key_alias"), ...money, retention: UNTIL_CLOSURE, on_erasure: "deleted",
    },
    {
      id: "limiter_credit_pending", description: "Credit ledger entries (top-ups, usage debits, refunds, adjustments) not yet copied to the billing database.", ...limiter("credit_pending"), ...money,
      // Copied within seconds; kept longer only while the billing database cannot be written. Erasure keeps them under the pseudonym the billing rows get.
      retention: { after: "created_at", period_ms: LEDGER_FLUSH_DELAY_MS }, on_erasure: "pseudonymised",
    },
    {
      id: "limiter_low_balance_notice", description: "A low-balance notice waiting to be mailed: the balance and threshold it reports, and delivery attempts.",
      store: { kind: "durable_object", name: "AccountLimiter", table: "low_balance_notice" }, fields: ["id", ...LOW_BALANCE_COLUMNS], ...money,
      // Deleted once mailed by the object's alarm (seconds), or after the last failed retry.
      retention: { after: "crossed_at", period_ms: NOTICE_MAX_PENDING_MS }, on_erasure: "deleted",
    },
    { id: "limiter_credit_applied", description: "Ids of the ledger entries applied, so a redelivered top-up or refund is applied once.", ...limiter("credit_applied"), ...money, retention: UNTIL_CLOSURE, on_erasure: "deleted" },
  ];
}
