/**
 * Default limits per subscription tier: the one table docs/limits.md mirrors.
 * Per-key limits can only lower these. An account under the AUP penalty status
 * `rate_limited` gets PENALTY_FACTOR of its tier's limits (at least 1 each).
 */
import type { AccountStatus, Tier } from "../db/schema";

export interface Limits {
  /** Requests admitted in any 60 s window. */
  rpm: number;
  /** Tokens (reserved, then settled to actual usage) in any 60 s window. */
  tpm: number;
  /** Requests in flight at once. */
  concurrency: number;
}

export const TIER_LIMITS: Readonly<Record<Tier, Limits>> = {
  free: { rpm: 20, tpm: 40_000, concurrency: 2 },
  pro: { rpm: 600, tpm: 1_000_000, concurrency: 20 },
  enterprise: { rpm: 6_000, tpm: 10_000_000, concurrency: 200 },
};

export const PENALTY_FACTOR = 0.1;

export function accountLimits(tier: Tier, status: AccountStatus): Limits {
  const base = TIER_LIMITS[tier];
  return status === "rate_limited" ? penaltyLimits(base) : base;
}

/** The AUP penalty: PENALTY_FACTOR of the given (tier) limits, at least 1 each. */
export function penaltyLimits(base: Limits): Limits {
  const reduce = (n: number) => Math.max(1, Math.floor(n * PENALTY_FACTOR));
  return { rpm: reduce(base.rpm), tpm: reduce(base.tpm), concurrency: reduce(base.concurrency) };
}

/** A key's own limits as stored; null: the account's. */
export interface KeyOwnLimits {
  rpm: number | null;
  tpm: number | null;
  concurrency: number | null;
}

/** A key's own limits, never above the account's. */
export function keyLimits(account: Limits, overrides: KeyOwnLimits): Limits {
  return {
    rpm: Math.min(account.rpm, overrides.rpm ?? Infinity),
    tpm: Math.min(account.tpm, overrides.tpm ?? Infinity),
    concurrency: Math.min(account.concurrency, overrides.concurrency ?? Infinity),
  };
}
