/** Closure: `DELETE /v1/account` without `erase`. */
import type { Context } from "hono";
import { closeOwnAccount as closeAccountOf } from "../../self-service/account";
import { CLOSED_ACCOUNT_RETENTION_MS } from "../../shared/retention";
import { evictAccount } from "../auth-cache";
import type { AppEnv } from "../env";
import { iso } from "../../self-service/views";

/**
 * Closes the caller's account (src/self-service/account.ts): every key of it
 * stops at once (401 account_closed), its Stripe subscription is cancelled
 * after the response, and its data is erased 90 days later.
 * Billing rows stay, keyed by the opaque account id.
 */
export async function closeOwnAccount(c: Context<AppEnv>): Promise<Response> {
  const { accountId, keyId } = c.get("auth");
  const account = await closeAccountOf(c.env, accountId, `key:${keyId}`, (work) => c.executionCtx.waitUntil(work));
  evictAccount(accountId);
  return c.json({
    id: account.id,
    object: "account",
    closed: true,
    closed_at: iso(account.closedAt),
    erasure_due_at: iso(account.closedAt + CLOSED_ACCOUNT_RETENTION_MS),
  });
}
