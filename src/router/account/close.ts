/** Closure: `DELETE /v1/account` without `erase`. */
import type { Context } from "hono";
import { closeAccount } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { eraseLimiterState, pushAccessChange } from "../../limits/controls";
import { errors } from "../../shared/errors";
import { CLOSED_ACCOUNT_RETENTION_MS } from "../../shared/retention";
import { evictAccount } from "../auth-cache";
import type { AppEnv } from "../env";
import { iso } from "../views";

/**
 * Closes the caller's account: every key of it stops at once (401
 * account_closed), and the logger's retention cron erases its data once
 * CLOSED_ACCOUNT_RETENTION_MS (90 days) have passed. Billing rows stay,
 * keyed by the opaque account id.
 */
export async function closeOwnAccount(c: Context<AppEnv>): Promise<Response> {
  const { accountId, keyId } = c.get("auth");
  // The limiter refuses the account's keys before D1 records the closure, so a
  // failure in between leaves the account refused, never closed yet served.
  await pushAccessChange(c.env, accountId, { closed: true });
  const account = await closeAccount(coreDb(c.env.DB), accountId, Date.now(), `key:${keyId}`);
  if (!account || account.closedAt === null) throw errors.notFound("No such account.", "account_not_found");
  evictAccount(accountId);
  // Rate windows and leases serve no purpose once no key works.
  await eraseLimiterState(c.env, accountId);
  return c.json({
    id: account.id,
    object: "account",
    closed: true,
    closed_at: iso(account.closedAt),
    erasure_due_at: iso(account.closedAt + CLOSED_ACCOUNT_RETENTION_MS),
  });
}
