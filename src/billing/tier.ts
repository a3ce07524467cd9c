/**
 * The tier in force: `accounts.tier`, except that a paid tier lapses to
 * `free` at `accounts.tier_until` (the end of a failed payment's grace
 * period, or of the period a cancelled subscription was paid for). Read at
 * every authentication, from the cached record too, so the lapse happens on
 * time on every isolate without a webhook or job having to change `tier`.
 */
import type { Account, Tier } from "../db/schema";
import type { LimiterEnv } from "../limits/client";
import { pushAccessChange } from "../limits/controls";

export function tierInForce(account: Pick<Account, "tier" | "tierUntil">, now: number): Tier {
  return account.tierUntil !== null && account.tierUntil <= now ? "free" : account.tier;
}

const RANK: Record<Tier, number> = { free: 0, pro: 1, enterprise: 2 };

/** A change to a lower tier narrows access: it reaches the limiter before D1 (src/limits/controls.ts). */
export const lowersTier = (from: Tier, to: Tier): boolean => RANK[to] < RANK[from];

/**
 * Writes a tier change and tells the account's limiter, which every
 * admission visits, so every isolate's next request gets the new limits:
 * a lower tier is told before the write (a failure then stops the change,
 * and the caller reports it), a higher one after (a failure only delays
 * the upgrade until the auth caches re-read D1, AUTH_CACHE_TTL_MS).
 * `heldAfter` gives the tier in force that D1 holds after the write (null:
 * no account): when a conditional write did not land as asked (a concurrent
 * operator upgrade to enterprise, a newer Stripe event), the limiter is told
 * that rather than left holding a lower tier pushed before the write.
 */
export async function changeTier<T>(env: LimiterEnv, accountId: string, from: Tier, to: Tier, write: () => Promise<T>, heldAfter: (written: T) => Tier | null): Promise<T> {
  const lowering = lowersTier(from, to);
  if (lowering) await pushAccessChange(env, accountId, { tier: to });
  const written = await write();
  const held = heldAfter(written);
  // What the limiter holds as far as this call knows: the tier it was just told, or the one read before.
  const told = lowering ? to : from;
  if (held !== null && held !== told) await pushAccessChange(env, accountId, { tier: held }).catch((err) => console.error("limiter not told of the tier in force", err));
  return written;
}
