/**
 * AUP enforcement (PATCH /admin/v1/accounts/{id} with a status): the D1 write
 * and the account's limiter, in the order that errs on the side of refusing
 * (src/limits/controls.ts): a change that narrows access reaches the limiter
 * before D1, so every isolate's next inference call obeys it; one that lifts
 * it reaches the limiter after D1, and only as a courtesy (the limiter lets a
 * view read after its record outrank it, docs/enforcement.md). A termination
 * also cancels the account's Stripe subscription, without refund, after the
 * response (src/billing/account-end.ts).
 */
import { cancelSubscriptionAtEnd } from "../billing/account-end";
import type { CoreDb } from "../db/client";
import { activeKeyIds, narrows, setAccountStatus } from "../db/enforcement";
import type { Account, AccountStatus, Tier } from "../db/schema";
import { pushAccessChange, type AccessChange } from "../limits/controls";

export async function enforceStatus(
  env: Env,
  db: CoreDb,
  current: Account,
  change: { status: AccountStatus; reason: string | null; tier?: Tier | undefined },
  actor: string,
  waitUntil: (work: Promise<unknown>) => void,
): Promise<Account | undefined> {
  const now = Date.now();
  const keyIds = change.status === "terminated" ? await activeKeyIds(db, current.id) : [];
  const access: AccessChange = {
    status: change.status,
    statusReason: change.reason,
    ...(keyIds.length > 0 ? { keyStops: keyIds.map((keyId) => ({ keyId, at: now })) } : {}),
  };
  const narrowing = narrows(current.status, change.status);
  if (narrowing) await pushAccessChange(env, current.id, access);
  const account = await setAccountStatus(db, current.id, { ...change, keyIds }, actor, now);
  if (account && change.status === "terminated") waitUntil(cancelSubscriptionAtEnd(env, current.id, "termination"));
  if (!narrowing) {
    // D1 already says so: a failed push only delays the lift until caches re-read D1.
    await pushAccessChange(env, current.id, access).catch((err) => console.error("limiter not told of a lifted status", err));
  }
  return account;
}
