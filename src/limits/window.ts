/**
 * The limiter's state and rules, free of storage and clocks so they can be
 * tested exactly. One instance per account: a sliding log of admissions (exact
 * RPM/TPM over any 60 s window, not an approximation) and the open leases
 * (concurrency). State is bounded: admissions older than the window are pruned,
 * so at most `rpm` of them are kept; leases are at most `concurrency`.
 */
import type { Limits } from "./tiers";

export const WINDOW_MS = 60_000;

export interface Admission {
  leaseId: string;
  keyId: string;
  at: number;
  tokens: number;
}

export interface Lease {
  leaseId: string;
  keyId: string;
  expiresAt: number;
}

export type ExceededCode = "rate_limit_exceeded" | "tokens_limit_exceeded" | "concurrency_limit_exceeded";

export interface Quota {
  limit: number;
  remaining: number;
  /** ms until the window frees capacity again (oldest counted admission leaves it). */
  resetMs: number;
}

export interface AdmitInput {
  leaseId: string;
  keyId: string;
  account: Limits;
  key: Limits;
  /** Reservation: estimated tokens of this request. */
  tokens: number;
  leaseTtlMs: number;
}

export interface AdmitResult {
  admitted: boolean;
  exceeded: ExceededCode | null;
  retryAfterMs: number;
  requests: Quota;
  tokens: Quota;
}

interface ScopeStats {
  count: number;
  tokens: number;
  oldest: number | null;
}

export class LimiterWindow {
  /** Sorted by `at` (admissions are appended in time order). */
  admissions: Admission[] = [];
  readonly leases = new Map<string, Lease>();

  /** Drops admissions that left the window; returns how many. */
  prune(now: number): number {
    let drop = 0;
    while (drop < this.admissions.length && this.admissions[drop]!.at <= now - WINDOW_MS) drop++;
    if (drop > 0) this.admissions = this.admissions.slice(drop);
    return drop;
  }

  private stats(keyId: string): { account: ScopeStats; key: ScopeStats; accountLeases: number; keyLeases: number } {
    const account: ScopeStats = { count: 0, tokens: 0, oldest: null };
    const key: ScopeStats = { count: 0, tokens: 0, oldest: null };
    for (const a of this.admissions) {
      account.count++;
      account.tokens += a.tokens;
      account.oldest ??= a.at;
      if (a.keyId === keyId) {
        key.count++;
        key.tokens += a.tokens;
        key.oldest ??= a.at;
      }
    }
    let keyLeases = 0;
    for (const lease of this.leases.values()) if (lease.keyId === keyId) keyLeases++;
    return { account, key, accountLeases: this.leases.size, keyLeases };
  }

  /** ms until enough tokens leave the window for `needed` more to fit under `limit`. */
  private tokenWait(now: number, keyId: string | null, used: number, needed: number, limit: number): number {
    let freed = 0;
    for (const a of this.admissions) {
      if (keyId !== null && a.keyId !== keyId) continue;
      freed += a.tokens;
      if (used - freed + needed <= limit || used - freed === 0) return a.at + WINDOW_MS - now;
    }
    return 0;
  }

  admit(now: number, input: AdmitInput): AdmitResult {
    this.prune(now);
    const s = this.stats(input.keyId);
    const { account: al, key: kl } = input;
    const expiry = (oldest: number | null) => (oldest === null ? 0 : oldest + WINDOW_MS - now);

    let exceeded: ExceededCode | null = null;
    let retryAfterMs = 0;
    if (s.key.count >= kl.rpm || s.account.count >= al.rpm) {
      exceeded = "rate_limit_exceeded";
      retryAfterMs = Math.max(s.key.count >= kl.rpm ? expiry(s.key.oldest) : 0, s.account.count >= al.rpm ? expiry(s.account.oldest) : 0);
    } else if (!fits(s.key.tokens, input.tokens, kl.tpm) || !fits(s.account.tokens, input.tokens, al.tpm)) {
      // A request larger than the whole limit still runs once the window is empty,
      // so the limit is overshot by at most one request's reservation.
      exceeded = "tokens_limit_exceeded";
      retryAfterMs = Math.max(
        fits(s.key.tokens, input.tokens, kl.tpm) ? 0 : this.tokenWait(now, input.keyId, s.key.tokens, input.tokens, kl.tpm),
        fits(s.account.tokens, input.tokens, al.tpm) ? 0 : this.tokenWait(now, null, s.account.tokens, input.tokens, al.tpm),
      );
    } else if (s.keyLeases >= kl.concurrency || s.accountLeases >= al.concurrency) {
      exceeded = "concurrency_limit_exceeded";
      retryAfterMs = 1_000; // unknowable: depends on when a request in flight ends
    }

    const admitted = exceeded === null;
    if (admitted) {
      this.admissions.push({ leaseId: input.leaseId, keyId: input.keyId, at: now, tokens: input.tokens });
      this.leases.set(input.leaseId, { leaseId: input.leaseId, keyId: input.keyId, expiresAt: now + input.leaseTtlMs });
    }
    const add = admitted ? 1 : 0;
    const addTokens = admitted ? input.tokens : 0;
    const keyOldest = s.key.oldest ?? (admitted ? now : null);
    const accountOldest = s.account.oldest ?? (admitted ? now : null);
    const keyReqRemaining = kl.rpm - s.key.count - add;
    const accountReqRemaining = al.rpm - s.account.count - add;
    const keyTokRemaining = kl.tpm - s.key.tokens - addTokens;
    const accountTokRemaining = al.tpm - s.account.tokens - addTokens;
    return {
      admitted,
      exceeded,
      retryAfterMs: Math.max(0, retryAfterMs),
      requests:
        keyReqRemaining <= accountReqRemaining
          ? { limit: kl.rpm, remaining: Math.max(0, keyReqRemaining), resetMs: expiry(keyOldest) }
          : { limit: al.rpm, remaining: Math.max(0, accountReqRemaining), resetMs: expiry(accountOldest) },
      tokens:
        keyTokRemaining <= accountTokRemaining
          ? { limit: kl.tpm, remaining: Math.max(0, keyTokRemaining), resetMs: expiry(keyOldest) }
          : { limit: al.tpm, remaining: Math.max(0, accountTokRemaining), resetMs: expiry(accountOldest) },
    };
  }

  /** Ends a lease; settles its reservation to the real usage when known. */
  release(leaseId: string, actualTokens: number | null): { lease: Lease | undefined; settled: Admission | undefined } {
    const lease = this.leases.get(leaseId);
    this.leases.delete(leaseId);
    let settled: Admission | undefined;
    if (actualTokens !== null) {
      settled = this.admissions.find((a) => a.leaseId === leaseId);
      if (settled) settled.tokens = actualTokens;
    }
    return { lease, settled };
  }

  /** Removes leases past their TTL (holder vanished); returns them. */
  expireLeases(now: number): Lease[] {
    const expired: Lease[] = [];
    for (const lease of this.leases.values()) if (lease.expiresAt <= now) expired.push(lease);
    for (const lease of expired) this.leases.delete(lease.leaseId);
    return expired;
  }

  nextLeaseExpiry(): number | null {
    let next: number | null = null;
    for (const lease of this.leases.values()) if (next === null || lease.expiresAt < next) next = lease.expiresAt;
    return next;
  }
}

function fits(used: number, needed: number, limit: number): boolean {
  return used + needed <= limit || used === 0;
}
