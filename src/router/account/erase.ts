/**
 * Erasure on request: DELETE /v1/account?erase=now (docs/erasure.md).
 *
 * Writes all three databases: the core (account, keys, consents, audit
 * entries deleted; the journal row written), the logs (the account's request
 * logs deleted) and billing (its rows pseudonymised). Until now the router
 * only read LOGS_DB and BILLING_DB; erasure is the one router path that
 * writes them. The response cache goes first of all: the account's cache
 * salt is cleared with `closed_at` (no cached answer can be opened from then
 * on), then the limiter object's erase() deletes every cache entry, before
 * any database row.
 */
import type { Context } from "hono";
import type { ErasureResult } from "../../db/erasure";
import { eraseAccountNow as eraseEverywhere } from "../../self-service/account";
import { errors } from "../../shared/errors";
import { evictAccount } from "../auth-cache";
import type { AppEnv } from "../env";
import { iso } from "../../self-service/views";

/** DELETE /v1/account?erase=now: the calling account, erased at once. */
export async function eraseAccountNow(c: Context<AppEnv>): Promise<Response> {
  const erase = c.req.query("erase");
  if (erase !== "now") throw errors.invalidRequest("'erase' takes one value, 'now'; without it DELETE /v1/account closes the account.", "erase", "invalid_value");
  const result = await eraseNow(c.env, c.get("auth").accountId, Date.now());
  // This request's own log event is sent after the erasure: it names no
  // account or key, so it brings nothing back (src/router/log-event.ts).
  c.set("erasedCaller", true);
  c.header("cache-control", "no-store");
  return c.json({ object: "account.erasure", erased_at: iso(result.erasedAt), billing_records: "pseudonymised" });
}

/**
 * Erases an account at once (src/self-service/account.ts): the customer's
 * request, or the operator's (POST /admin/v1/erasures). This isolate's auth
 * cache forgets the account whatever happens; the limiter refuses its keys
 * on every isolate from the erasure's first step.
 */
export async function eraseNow(env: Env, accountId: string, now: number): Promise<ErasureResult> {
  try {
    return await eraseEverywhere(env, accountId, now);
  } finally {
    evictAccount(accountId);
  }
}
