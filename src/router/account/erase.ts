/**
 * Erasure on request: DELETE /v1/account?erase=now (docs/erasure.md).
 *
 * Writes all three databases: the core (account, keys, consents, audit
 * entries deleted; the journal row written), the logs (the account's request
 * logs deleted) and billing (its rows pseudonymised). Until now the router
 * only read LOGS_DB and BILLING_DB; erasure is the one router path that
 * writes them.
 */
import type { Context } from "hono";
import { eraseAccountEverywhere, erasureDbs, markClosed, type ErasureResult } from "../../db/erasure";
import { eraseLimiterState, pushAccessChange } from "../../limits/controls";
import { PURGE_CHUNK_ROWS, PURGE_MAX_CHUNKS } from "../../shared/retention";
import { evictAccount } from "../auth-cache";
import type { AppEnv } from "../env";
import { iso } from "../views";

/**
 * At most this many log rows go within the request (D1 statements per
 * invocation are limited); a larger remainder is deleted by the logger's
 * hourly erasure sweep, which finds it through the journal.
 */
const LOG_BUDGET = { chunkRows: PURGE_CHUNK_ROWS, maxChunks: PURGE_MAX_CHUNKS };

/** DELETE /v1/account?erase=now: the calling account, erased at once. */
export async function eraseAccountNow(c: Context<AppEnv>): Promise<Response> {
  const result = await eraseNow(c.env, c.get("auth").accountId, Date.now());
  // This request's own log event still names the account: it reaches the
  // logs after the erasure, and the hourly sweep deletes it (docs/erasure.md).
  c.header("cache-control", "no-store");
  return c.json({ object: "account.erasure", erased_at: iso(result.erasedAt), billing_records: "pseudonymised" });
}

/** Erases an account at once: the customer's request, or the operator's (POST /admin/v1/erasures). */
export async function eraseNow(env: Env, accountId: string, now: number): Promise<ErasureResult> {
  const dbs = erasureDbs(env);
  // The keys stop on every isolate first (through the limiter), then in D1:
  // should a later step fail, the account stays closed and the erasure can
  // be repeated (POST /admin/v1/erasures).
  await pushAccessChange(env, accountId, { closed: true });
  await markClosed(dbs.core, accountId, now);
  await eraseLimiterState(env, accountId);
  evictAccount(accountId);
  // Cached responses: none exist yet. The response cache, when it comes,
  // deletes the account's entries here, before the databases.
  return eraseAccountEverywhere(dbs, accountId, now, LOG_BUDGET);
}
