/**
 * Access changes that must bite on every isolate within a second: revoking or
 * rotating out a key, suspending, terminating, closing or erasing an account,
 * withdrawing consent, restricting processing.
 *
 * Each isolate caches validated keys for up to AUTH_CACHE_TTL_MS (30 s) so
 * that the warm path makes no D1 query. The account's limiter object, which
 * every inference call already visits once, is told of each change here and
 * answers admissions with it, so no hop is added to the warm path.
 *
 * The limiter keeps each change only while an isolate may still trust a view
 * read before it (access-state.ts); D1 remains the truth. Both calls throw
 * when the object cannot be reached: a caller imposing a restriction should
 * then not report success (docs/enforcement.md).
 */
import type { KeyBudget } from "../billing/types";
import type { AccountStatus, Tier } from "../db/schema";
import { limiterFor, type LimiterEnv } from "./client";

/** What changed; every field is optional, absent means unchanged. */
export interface AccessChange {
  /** Keys that stop working at `at` (ms): revoked → now; rotated out → the end of the grace period. */
  keyStops?: readonly { keyId: string; at: number }[];
  /** The account's new AUP status. */
  status?: AccountStatus;
  /** The operator's reason for the status, shown to the customer on a 403. */
  statusReason?: string | null;
  /** The account was closed (or erased): every key stops at once. */
  closed?: boolean;
  /** The non-EU transfer consent now in force. */
  nonEuConsent?: boolean;
  /** Processing restricted (GDPR Art. 18) or no longer. */
  restricted?: boolean;
  /** Keys whose spend budget changed (null: removed), enforced at once rather than after the auth cache. */
  keyBudgets?: readonly { keyId: string; budget: KeyBudget | null }[];
  /**
   * Keys made by rotation: the new key spends on the old key's budget counter
   * (the first key of the rotation chain's), so a rotation never restarts a budget.
   */
  rotations?: readonly { oldKeyId: string; newKeyId: string }[];
  /** The tier now in force (a Stripe subscription event, or the operator): admissions use its limits. */
  tier?: Tier;
}

/**
 * Tells the account's limiter of a change. Call it after the D1 write for a
 * change that lifts a restriction, and before it for one that imposes one,
 * so a failure in between errs on the side of refusing.
 */
export async function pushAccessChange(env: LimiterEnv, accountId: string, change: AccessChange): Promise<void> {
  await limiterFor(env, accountId).recordAccess(change);
}

/**
 * Deletes everything the account's limiter object stores (erasure), leaving
 * only a tombstone that refuses the account's keys until every isolate's
 * auth cache has forgotten them, after which the object deletes it too.
 * Ledger entries not yet in the billing database are written under
 * `ledgerAccountId`: the pseudonym the erasure gives the account's billing
 * rows, or, on closure, the account id itself (its rows keep it until the
 * erasure 90 days later pseudonymises them all alike).
 */
export async function eraseLimiterState(env: LimiterEnv, accountId: string, ledgerAccountId: string): Promise<void> {
  await limiterFor(env, accountId).erase(ledgerAccountId);
}
