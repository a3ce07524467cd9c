/**
 * The account's own privacy controls, shared by the API (src/router/account/)
 * and the console (src/console/routes/privacy.tsx): consent to non-EU
 * transfer, restriction of processing, product updates, closure and erasure
 * on request. Each takes the actor the audit log and the consent history name
 * (`key:<id>` for the API, `session:<12 hex>` for the console).
 *
 * Changes that restrict access are told to the account's limiter before D1
 * records them, and changes that lift one after, so a failure in between errs
 * on the side of refusing (the access-change contract, src/limits/controls.ts).
 * Forgetting the account in an isolate's auth cache is the caller's: only
 * the router has that cache.
 */
import { cancelSubscriptionAtEnd, deleteStripeCustomer } from "../billing/account-end";
import type { StripeEnv } from "../billing/stripe";
import { closeAccount, recordConsent, setRestriction } from "../db/accounts";
import { coreDb, type CoreDb } from "../db/client";
import { eraseAccountEverywhere, erasureDbs, markClosed, newPseudonym, type ErasureResult } from "../db/erasure";
import type { Account } from "../db/schema";
import type { LimiterEnv } from "../limits/client";
import { eraseLimiterState, pushAccessChange } from "../limits/controls";
import { errors } from "../shared/errors";
import { PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS } from "../shared/retention";

/** What the account controls need: the core database and the router's limiter. */
export type AccountEnv = LimiterEnv & Pick<Env, "DB">;
/** Closure also cancels the account's Stripe subscription. */
export type ClosureEnv = AccountEnv & StripeEnv;
/** Erasure writes the logs and billing databases too, and deletes the Stripe customer. */
export type ErasureEnv = ClosureEnv & Pick<Env, "LOGS_DB" | "BILLING_DB">;

/** The account; it exists while its key or session authenticates, so a miss is a race with erasure. */
export async function ownAccount(db: CoreDb, accountId: string): Promise<Account> {
  const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, accountId) });
  if (!account) throw errors.notFound("No such account.", "account_not_found");
  return account;
}

/**
 * Records consent to processing outside the EU (GDPR Art. 7, 49) or its
 * withdrawal. A withdrawal is told to the limiter, which every inference call
 * visits, before D1 records it (a grant after), so every isolate refuses
 * non-EU routes within the access-change bound.
 */
export async function setNonEuConsent(env: AccountEnv, accountId: string, granted: boolean, actor: string): Promise<void> {
  if (!granted) await pushAccessChange(env, accountId, { nonEuConsent: granted });
  await recordConsent(coreDb(env.DB), accountId, "non_eu_transfer", granted, actor);
  if (granted) await pushAccessChange(env, accountId, { nonEuConsent: granted });
}

/**
 * Restricts processing (GDPR Art. 18) or lifts the restriction; restricting
 * an account already restricted keeps the date it began.
 */
export async function setProcessingRestricted(env: AccountEnv, accountId: string, restricted: boolean, actor: string, now = Date.now()): Promise<Account> {
  if (restricted) await pushAccessChange(env, accountId, { restricted });
  const account = await setRestriction(coreDb(env.DB), accountId, restricted, now, actor);
  if (!account) throw errors.notFound("No such account.", "account_not_found");
  if (!restricted) await pushAccessChange(env, accountId, { restricted });
  return account;
}

/** Opts in to product updates or out (objection to direct marketing, Art. 21(2)); appended to the consent history. */
export async function setProductUpdates(db: CoreDb, accountId: string, granted: boolean, actor: string): Promise<void> {
  await recordConsent(db, accountId, "product_updates", granted, actor);
}

/**
 * Closes the account: every key of it stops at once, its Stripe
 * subscription is cancelled after the response (`waitUntil`,
 * src/billing/account-end.ts), and the logger's retention cron erases its
 * data once CLOSED_ACCOUNT_RETENTION_MS (90 days) have passed. Closing a
 * closed account keeps the first closure's date.
 */
export async function closeOwnAccount(env: ClosureEnv, accountId: string, actor: string, waitUntil: (work: Promise<unknown>) => void, now = Date.now()): Promise<Account & { closedAt: number }> {
  // The limiter refuses the account's keys before D1 records the closure, so a
  // failure in between leaves the account refused, never closed yet served.
  await pushAccessChange(env, accountId, { closed: true });
  const account = await closeAccount(coreDb(env.DB), accountId, now, actor);
  if (!account || account.closedAt === null) throw errors.notFound("No such account.", "account_not_found");
  // No key or console session reaches the Customer Portal any more, so the
  // renewal stops here (a repeated closure finds it cancelled already).
  waitUntil(cancelSubscriptionAtEnd(env, accountId, "closure"));
  // Rate windows, leases, money state and cached answers serve no purpose
  // once no key works (closeAccount cleared the cache salt too); pending
  // ledger entries stay the account's until its erasure.
  await eraseLimiterState(env, accountId, accountId);
  return { ...account, closedAt: account.closedAt };
}

/**
 * At most this many log rows go within the request (D1 statements per
 * invocation are limited); a larger remainder is deleted by the logger's
 * hourly erasure sweep, which finds it through the journal.
 */
const LOG_BUDGET = { chunkRows: PURGE_CHUNK_ROWS, maxChunks: PURGE_MAX_CHUNKS };

/**
 * Erases an account at once (docs/erasure.md): the customer's request (API or
 * console) or the operator's. Billing rows stay, pseudonymised.
 */
export async function eraseAccountNow(env: ErasureEnv, accountId: string, now: number): Promise<ErasureResult> {
  const dbs = erasureDbs(env);
  // One pseudonym for the account's billing rows wherever they are written from.
  const pseudonym = newPseudonym();
  // The keys stop on every isolate first (through the limiter), then in D1:
  // should a later step fail, the account stays closed and the erasure can
  // be repeated (POST /admin/v1/erasures).
  await pushAccessChange(env, accountId, { closed: true });
  await markClosed(dbs.core, accountId, now);
  await eraseLimiterState(env, accountId, pseudonym);
  // Before the Stripe link goes with the core rows; a Stripe failure is logged, never blocking.
  await deleteStripeCustomer(env, accountId);
  // Cached responses went in the two steps above: markClosed cleared the
  // account's cache salt (no entry can be opened any more) and the limiter's
  // erase() deleted every cache_entries row; the row itself goes below.
  return eraseAccountEverywhere(dbs, accountId, now, LOG_BUDGET, pseudonym);
}
