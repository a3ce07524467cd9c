/**
 * Every retention period the privacy policy promises, in one place. The
 * retention table of docs/privacy.md and docs/storage.md quote these names; the logger worker's
 * cron (src/logger/retention.ts) enforces them.
 */

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** API request logs (metadata only) are deleted this long after the request. */
export const LOG_RETENTION_MS = 30 * DAY_MS;

/**
 * Cached responses live at most this long: the cache store (src/cache/store.ts)
 * refuses an entry living longer, never serves one past its expiry, and its
 * alarm deletes expired entries within a minute or so (docs/cache.md).
 */
export const CACHE_TTL_MS = 24 * HOUR_MS;

/** A closed account, with its keys, consents, audit entries and logs, is deleted this long after closure. */
export const CLOSED_ACCOUNT_RETENTION_MS = 90 * DAY_MS;

/**
 * The erasure journal (table `erasures`: a SHA-256 of each erased account id
 * and when) is kept this long: D1 Time Travel restores a database to any
 * point in the last 30 days, and a restore must re-apply every erasure made
 * after its restore point (docs/erasure.md); 5 days of margin cover a
 * restore started late in the window and the cron's own delay.
 */
export const ERASURE_JOURNAL_RETENTION_MS = 35 * DAY_MS;

/** Billing ledger rows (usage and credit ledgers) are kept this many calendar years after the day they record. */
export const BILLING_RETENTION_YEARS = 7;

/**
 * Per-request billing receipts exist only to make the ledger idempotent under
 * queue redelivery. A queue keeps a message at most 14 days, so after this
 * window no redelivery can arrive and the receipt has done its job.
 */
export const BILLING_RECEIPT_RETENTION_MS = 30 * DAY_MS;

/**
 * Stripe webhook events already applied (table stripe_events: event id, type,
 * times; no account) are kept this long: Stripe retries a delivery for up to
 * 3 days, so after this no redelivery can arrive that the record would stop.
 */
export const STRIPE_EVENT_RETENTION_MS = 30 * DAY_MS;

/**
 * Purges delete at most this many rows per statement, and run at most
 * PURGE_MAX_CHUNKS statements per rule and cron run: each statement stays
 * well inside D1's per-query time limit, and a backlog is worked off over
 * successive runs instead of in one unbounded invocation.
 */
export const PURGE_CHUNK_ROWS = 500;
export const PURGE_MAX_CHUNKS = 20;
/** Closed accounts erased per cron run (each costs a few statements). */
export const ACCOUNT_PURGE_BATCH = 20;

/** The first UTC calendar day (YYYY-MM-DD) still inside the billing retention at `now`. */
export function billingCutoffDay(now: number): string {
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - BILLING_RETENTION_YEARS);
  return utcDay(cutoff.getTime());
}

/** The UTC calendar day of a timestamp, as YYYY-MM-DD (how the billing ledger groups usage). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A console session ends after this long without a request... */
export const CONSOLE_SESSION_IDLE_MS = 24 * HOUR_MS;
/** ...and this long after sign-in, whatever its use. */
export const CONSOLE_SESSION_ABSOLUTE_MS = 14 * DAY_MS;
/**
 * A session's last use is written at most this often: the idle expiry is
 * exact to within this, and a page view costs no D1 write in between.
 */
export const CONSOLE_SESSION_TOUCH_MS = 5 * 60 * 1000;
/** A sign-in or sign-up link works once, for this long. */
export const CONSOLE_LINK_TTL_MS = 15 * 60 * 1000;
/** Expired links and sessions are deleted by the cron this long after they expire. */
export const CONSOLE_EXPIRED_GRACE_MS = DAY_MS;
/** Console page-view counts (analytics, opt-in, no identifiers) are kept this many days. */
export const CONSOLE_PAGE_VIEW_RETENTION_DAYS = 395;
