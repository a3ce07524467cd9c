/**
 * Core database (binding DB): accounts, API keys, consents, audit log, and
 * the operator's catalogue versions.
 * Every table is listed with its purpose in docs/storage.md; keep both in step.
 * Timestamps are integer milliseconds since the epoch (UTC).
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { newCacheSalt } from "../cache/crypto";

export const TIERS = ["free", "pro", "enterprise"] as const;
export type Tier = (typeof TIERS)[number];

export const ACCOUNT_STATUSES = ["active", "warned", "rate_limited", "suspended", "terminated"] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const KEY_STATUSES = ["active", "revoked"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const KEY_SCOPES = ["inference", "manage"] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** A key's spend budget resets at the start of each UTC day, ISO week (Monday) or calendar month. */
export const BUDGET_PERIODS = ["daily", "weekly", "monthly"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** A key's data-region restriction: only "eu" exists. */
export const KEY_DATA_REGIONS = ["eu"] as const;

export interface BillingAddress {
  line1?: string;
  line2?: string;
  city?: string;
  postal_code?: string;
  country?: string;
}

const now = sql`(unixepoch('subsec') * 1000)`;

export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    company: text("company"),
    billingAddress: text("billing_address", { mode: "json" }).$type<BillingAddress>(),
    tier: text("tier", { enum: TIERS }).notNull().default("free"),
    status: text("status", { enum: ACCOUNT_STATUSES }).notNull().default("active"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
    /** Set when the account is closed: its keys stop working at once, data goes 90 days later. */
    closedAt: integer("closed_at"),
    /** Why the operator set the status (AUP enforcement); shown to the customer on 403 and in the account. */
    statusReason: text("status_reason"),
    /** Set while the customer restricts processing (GDPR Art. 18): the logger keeps only what is essential. */
    restrictedAt: integer("restricted_at"),
    /** A new email awaiting confirmation from that address; `email` changes only once it is confirmed. */
    pendingEmail: text("pending_email"),
    /**
     * When the paid tier lapses to free (ms): the end of a failed payment's
     * grace period, or of the period a cancelled subscription was paid for.
     * Authentication reads the tier as `free` from then on, before any
     * webhook or job has changed `tier` (src/billing/tier.ts).
     */
    tierUntil: integer("tier_until"),
    /**
     * The account's response-cache salt (32 random bytes, hex): its cache
     * data key is derived from it and CACHE_MASTER_KEY (src/cache/crypto.ts),
     * so deleting or replacing it makes every cached answer of the account
     * unreadable at once. Set for every new row; the migration filled it for
     * older ones. NULL: the account's requests bypass the cache.
     */
    cacheSalt: text("cache_salt").$defaultFn(newCacheSalt),
  },
  // Emails are unique case-insensitively (`A@x` and `a@x` are one mailbox in
  // practice), enforced here whatever writes the row; the code also stores them
  // lower-cased (src/db/accounts.ts). lower() folds ASCII only, and the operator
  // API accepts only ASCII addresses.
  (t) => [uniqueIndex("accounts_email_lower_unique").on(sql`lower(${t.email})`), index("accounts_closed_at_idx").on(t.closedAt)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    name: text("name").notNull().default(""),
    /** Hex SHA-256 of the full key; the key itself is never stored. */
    keyHash: text("key_hash").notNull(),
    /** First characters of the key, shown in listings so users can tell keys apart. */
    prefix: text("prefix").notNull(),
    status: text("status", { enum: KEY_STATUSES }).notNull().default("active"),
    scopes: text("scopes", { mode: "json" }).$type<KeyScope[]>().notNull(),
    createdAt: integer("created_at").notNull().default(now),
    lastUsedAt: integer("last_used_at"),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    /** Per-key limits; null means "the account's tier limit". They can only lower it. */
    rpmLimit: integer("rpm_limit"),
    tpmLimit: integer("tpm_limit"),
    concurrencyLimit: integer("concurrency_limit"),
    /** Model allow-list (catalogue ids); null means every model. */
    allowedModels: text("allowed_models", { mode: "json" }).$type<string[]>(),
    /** "eu": the key may use EU-hosted routes only, whatever the account consented to; null: no restriction. */
    dataRegion: text("data_region", { enum: KEY_DATA_REGIONS }),
    /** Why the key was revoked: "customer", "operator", "account_terminated", "leaked:<source>"... */
    revokedReason: text("revoked_reason"),
    /** Set on a key rotated out: the id of the key that replaces it (this one stops at expires_at). */
    replacedBy: text("replaced_by"),
    /** Spend budget in nano-USD of customer price per budgetPeriod; null: no budget. Both set or both null. */
    budgetNanoUsd: integer("budget_nano_usd"),
    budgetPeriod: text("budget_period", { enum: BUDGET_PERIODS }),
    /**
     * The key's default response-cache TTL in seconds (1..86400), used when a
     * request sends no `x-emby-cache-ttl`; null: a request is cached only when
     * it asks. Clearing it withdraws the key's opt-in (the account's cached
     * answers are purged, docs/cache.md).
     */
    cacheTtl: integer("cache_ttl"),
  },
  (t) => [uniqueIndex("api_keys_key_hash_unique").on(t.keyHash), index("api_keys_account_idx").on(t.accountId)],
);

/**
 * non_eu_transfer: processing outside the EU (off unless granted).
 * product_updates: product news by email (off unless the customer opts in);
 * service notices need no consent and are always sent.
 */
export const CONSENT_KINDS = ["non_eu_transfer", "product_updates"] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];

/** Append-only consent history: the newest row per (account, kind) is in force. */
export const consents = sqliteTable(
  "consents",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: CONSENT_KINDS }).notNull(),
    granted: integer("granted", { mode: "boolean" }).notNull(),
    /** Who recorded it: "admin", "key:<id>" or "session:<first 12 hex of the console session's id hash>". */
    source: text("source").notNull(),
    recordedAt: integer("recorded_at").notNull().default(now),
  },
  (t) => [index("consents_account_kind_idx").on(t.accountId, t.kind, t.recordedAt)],
);

/** Who changed what. Holds identifiers and field names only, never request content. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>(),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("audit_log_account_idx").on(t.accountId, t.createdAt)],
);

/**
 * The operator's catalogue, append-only: the row with the highest version is
 * in force. `document` is the whole catalogue as the operator API accepted it
 * (`{"models": [...]}`, JSON text), or null: back to the seed catalogue in
 * code. Holds model data and an operator's comment, nothing about accounts.
 */
export const catalogueVersions = sqliteTable("catalogue_versions", {
  /** 1, 2, 3...: the previous version + 1, so two writers racing for one version conflict on the key. */
  version: integer("version").primaryKey(),
  document: text("document"),
  createdAt: integer("created_at").notNull().default(now),
  /** Who published it: "admin". */
  actor: text("actor").notNull(),
  comment: text("comment"),
});

/**
 * Journal of erasures made on request: what lets a database restore (D1 Time
 * Travel) re-apply them, so a restore never brings an erased account back.
 * Holds a SHA-256 of the account id, never the id itself: the journal must
 * not be a record of who the customer was. Kept ERASURE_JOURNAL_RETENTION_MS
 * (longer than D1's 30-day restore window), then purged by the retention cron.
 */
export const erasures = sqliteTable("erasures", {
  subjectHash: text("subject_hash").primaryKey(),
  erasedAt: integer("erased_at").notNull(),
});

/** What a person accepts at sign-up (the console): the two policies and that they are 18 or older. */
export const AGREEMENT_DOCUMENTS = ["privacy_policy", "acceptable_use", "age_18_plus"] as const;
export type AgreementDocument = (typeof AGREEMENT_DOCUMENTS)[number];

/** Acceptances, append-only: which version of which document, when, through what. */
export const agreements = sqliteTable(
  "agreements",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    document: text("document", { enum: AGREEMENT_DOCUMENTS }).notNull(),
    /** The document's version (a date, src/shared/policies.ts). */
    version: text("version").notNull(),
    acceptedAt: integer("accepted_at").notNull(),
    /** "console" (sign-up) or "admin". */
    source: text("source").notNull(),
  },
  (t) => [index("agreements_account_idx").on(t.accountId, t.document)],
);

/**
 * Console sessions. The cookie holds a random id; only its SHA-256 is stored,
 * so a copy of the database signs no one in. A session ends at
 * `expires_at` (absolute) or after CONSOLE_SESSION_IDLE_MS without use.
 */
export const consoleSessions = sqliteTable(
  "console_sessions",
  {
    idHash: text("id_hash").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** Browser and operating system, e.g. "Chrome 156 on Linux": never the full user agent, never an address. */
    device: text("device").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Written at most once per CONSOLE_SESSION_TOUCH_MS. */
    lastSeenAt: integer("last_seen_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("console_sessions_account_idx").on(t.accountId), index("console_sessions_expires_idx").on(t.expiresAt)],
);

/** confirm_email: confirms an account's pending_email from that address. */
export const SIGN_IN_PURPOSES = ["sign_up", "sign_in", "confirm_email"] as const;
export type SignInPurpose = (typeof SIGN_IN_PURPOSES)[number];

/** What a sign-up link carries until it is followed (the account is created then). */
export interface SignUpDetails {
  name: string;
  company?: string;
  /** Versions accepted on the form (src/shared/policies.ts). */
  privacyPolicy: string;
  acceptableUse: string;
  age18Plus: true;
  productUpdates: boolean;
}

/**
 * One-time sign-in and sign-up links sent by email. Only the SHA-256 of the
 * link's token is stored; a link works once (used_at) and until expires_at
 * (CONSOLE_LINK_TTL_MS); the cron deletes it a day after it expires.
 */
export const signInLinks = sqliteTable(
  "sign_in_links",
  {
    tokenHash: text("token_hash").primaryKey(),
    purpose: text("purpose", { enum: SIGN_IN_PURPOSES }).notNull(),
    /** Lower-cased; for sign_in the account's address at the time. */
    email: text("email").notNull(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    signUp: text("sign_up", { mode: "json" }).$type<SignUpDetails>(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("sign_in_links_expires_idx").on(t.expiresAt), index("sign_in_links_email_idx").on(t.email, t.createdAt)],
);

/**
 * Console page views, counted only for visitors who accepted analytics in
 * the cookie banner: a count per day and page, no identifier of any kind.
 */
export const consolePageViews = sqliteTable(
  "console_page_views",
  {
    day: text("day").notNull(),
    page: text("page").notNull(),
    views: integer("views").notNull(),
  },
  (t) => [uniqueIndex("console_page_views_day_page").on(t.day, t.page)],
);

/**
 * Passkeys (WebAuthn credentials), a second way to sign in to the console.
 * Holds the credential's public key only; the private key never leaves the
 * person's authenticator.
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    /** The credential id (base64url), as the authenticator gives it. */
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id, { onDelete: "cascade" }),
    /** The COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    /** The signature counter last seen (0 for authenticators that keep none). */
    counter: integer("counter").notNull(),
    transports: text("transports", { mode: "json" }).$type<string[]>(),
    /** A name the person gives it, e.g. "Laptop". */
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("passkeys_account_idx").on(t.accountId)],
);

/**
 * WebAuthn challenges between a ceremony's two requests, one use each, kept
 * CONSOLE_LINK_TTL_MS at most. A registration's names its account; a
 * sign-in's names none (the credential tells whose it is).
 */
export const webauthnChallenges = sqliteTable(
  "webauthn_challenges",
  {
    challenge: text("challenge").primaryKey(),
    purpose: text("purpose", { enum: ["register", "sign_in"] }).notNull(),
    accountId: text("account_id").references(() => accounts.id, { onDelete: "cascade" }),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("webauthn_challenges_expires_idx").on(t.expiresAt)],
);

export type Account = typeof accounts.$inferSelect;
export type ApiKey = typeof apiKeys.$inferSelect;
export type ConsoleSession = typeof consoleSessions.$inferSelect;
export type SignInLink = typeof signInLinks.$inferSelect;
export type Passkey = typeof passkeys.$inferSelect;

export const SUBSCRIPTION_STATES = ["active", "past_due", "canceled"] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

/**
 * An account's link to Stripe (src/billing): its customer, its subscription
 * as the newest applied webhook event left it, and its low-balance notice
 * setting. One row per account that has started a checkout or set a notice.
 */
export const billingAccounts = sqliteTable(
  "billing_accounts",
  {
    accountId: text("account_id")
      .primaryKey()
      .references(() => accounts.id, { onDelete: "cascade" }),
    stripeCustomerId: text("stripe_customer_id"),
    subscriptionId: text("subscription_id"),
    subscriptionState: text("subscription_state", { enum: SUBSCRIPTION_STATES }),
    /** End of the period paid for (ms). */
    currentPeriodEnd: integer("current_period_end"),
    /** 1: cancelled, runs to currentPeriodEnd and then downgrades. */
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    /** First failed payment of the current dunning (ms); cleared by a paid invoice. */
    paymentFailedAt: integer("payment_failed_at"),
    /**
     * `created` (ms) of the newest subscription event applied: an older event
     * delivered late is recorded but changes nothing (out-of-order delivery).
     */
    subscriptionEventAt: integer("subscription_event_at"),
    /** Email a notice when the balance falls below this (nano-USD); null: no notice. */
    lowBalanceThresholdNano: integer("low_balance_threshold_nano"),
    createdAt: integer("created_at").notNull().default(now),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [uniqueIndex("billing_accounts_customer_unique").on(t.stripeCustomerId)],
);

/**
 * Stripe webhook events already applied, by event id: a redelivery is
 * acknowledged without being applied again. Kept STRIPE_EVENT_RETENTION_MS
 * (30 days; Stripe retries for up to 3 days).
 */
export const stripeEvents = sqliteTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** The event's own `created` (ms). */
    createdAt: integer("created_at").notNull(),
    processedAt: integer("processed_at").notNull(),
  },
  (t) => [index("stripe_events_processed_idx").on(t.processedAt)],
);
