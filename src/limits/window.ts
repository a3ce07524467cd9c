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

/** A time-ordered run of admissions with running totals; entries before `head` have left the window. */
class Scope {
  entries: Admission[] = [];
  head = 0;
  count = 0;
  tokens = 0;
  /** Open leases (concurrency), counted per scope. */
  leases = 0;

  add(a: Admission): void {
    this.entries.push(a);
    this.count++;
    this.tokens += a.tokens;
  }

  /** Drops the front entry, which must be `a` (both runs are in time order). */
  dropFront(a: Admission): void {
    this.head++;
    this.count--;
    this.tokens -= a.tokens;
    // Compact now and then instead of shifting on every drop: O(1) amortised.
    if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  front(): Admission | undefined {
    return this.entries[this.head];
  }

  stats(): ScopeStats {
    return { count: this.count, tokens: this.tokens, oldest: this.front()?.at ?? null };
  }

  *live(): Generator<Admission> {
    for (let i = this.head; i < this.entries.length; i++) yield this.entries[i]!;
  }
}

/**
 * Admission, release and pruning are O(1) (amortised): the window keeps running
 * counts and token sums for the account and per key, and admissions by lease
 * id, so an account at thousands of requests per minute costs no more per
 * call than an idle one. Only a refusal for tokens walks the window, to say
 * when enough tokens leave it.
 */
export class LimiterWindow {
  private readonly account = new Scope();
  private readonly keys = new Map<string, Scope>();
  /** Admissions still in the window, by lease id (to settle tokens on release). */
  private readonly byLease = new Map<string, Admission>();
  readonly leases = new Map<string, Lease>();

  /** Admissions in the current window. */
  get admissionCount(): number {
    return this.account.count;
  }

  /** Tokens counted in the current window (reservations and settled usage). */
  get tokenCount(): number {
    return this.account.tokens;
  }

  private key(keyId: string): Scope {
    let scope = this.keys.get(keyId);
    if (!scope) {
      scope = new Scope();
      this.keys.set(keyId, scope);
    }
    return scope;
  }

  /** Adds an admission (in time order): on admit, and from storage when the object starts. A known lease id changes nothing. */
  addAdmission(a: Admission): void {
    if (this.byLease.has(a.leaseId)) return;
    this.account.add(a);
    this.key(a.keyId).add(a);
    this.byLease.set(a.leaseId, a);
  }

  /** Adds an open lease: on admit, and from storage when the object starts. A known lease id changes nothing (counts would drift). */
  addLease(lease: Lease): void {
    if (this.leases.has(lease.leaseId)) return;
    this.leases.set(lease.leaseId, lease);
    this.account.leases++;
    this.key(lease.keyId).leases++;
  }

  /** Drops admissions that left the window; returns how many. */
  prune(now: number): number {
    let drop = 0;
    for (let a = this.account.front(); a !== undefined && a.at <= now - WINDOW_MS; a = this.account.front()) {
      this.account.dropFront(a);
      const key = this.keys.get(a.keyId)!;
      key.dropFront(a);
      if (key.count === 0 && key.leases === 0) this.keys.delete(a.keyId);
      this.byLease.delete(a.leaseId);
      drop++;
    }
    return drop;
  }

  private stats(keyId: string): { account: ScopeStats; key: ScopeStats; accountLeases: number; keyLeases: number } {
    const key = this.keys.get(keyId);
    return {
      account: this.account.stats(),
      key: key?.stats() ?? { count: 0, tokens: 0, oldest: null },
      accountLeases: this.account.leases,
      keyLeases: key?.leases ?? 0,
    };
  }

  /** ms until enough tokens leave the window for `needed` more to fit under `limit`. */
  private tokenWait(now: number, keyId: string | null, used: number, needed: number, limit: number): number {
    const scope = keyId === null ? this.account : this.keys.get(keyId);
    if (!scope) return 0;
    let freed = 0;
    for (const a of scope.live()) {
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
      // A reservation larger than the whole limit never fits, not even in an
      // empty window (the router refuses such a request before asking).
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
      this.addAdmission({ leaseId: input.leaseId, keyId: input.keyId, at: now, tokens: counted(input.tokens) });
      this.addLease({ leaseId: input.leaseId, keyId: input.keyId, expiresAt: now + input.leaseTtlMs });
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
    if (lease) this.endLease(lease);
    let settled: Admission | undefined;
    if (actualTokens !== null) {
      settled = this.byLease.get(leaseId);
      if (settled) {
        const delta = counted(actualTokens) - settled.tokens;
        settled.tokens = counted(actualTokens);
        this.account.tokens += delta;
        this.keys.get(settled.keyId)!.tokens += delta;
      }
    }
    return { lease, settled };
  }

  private endLease(lease: Lease): void {
    this.leases.delete(lease.leaseId);
    this.account.leases--;
    const key = this.keys.get(lease.keyId)!;
    key.leases--;
    if (key.count === 0 && key.leases === 0) this.keys.delete(lease.keyId);
  }

  /** Removes leases past their TTL (holder vanished); returns them. */
  expireLeases(now: number): Lease[] {
    const expired: Lease[] = [];
    for (const lease of this.leases.values()) if (lease.expiresAt <= now) expired.push(lease);
    for (const lease of expired) this.endLease(lease);
    return expired;
  }

  nextLeaseExpiry(): number | null {
    let next: number | null = null;
    for (const lease of this.leases.values()) if (next === null || lease.expiresAt < next) next = lease.expiresAt;
    return next;
  }
}

function fits(used: number, needed: number, limit: number): boolean {
  return used + needed <= limit;
}

/**
 * Most tokens one request counts for. The window keeps running sums, which stay
 * exact only while every term is a safe integer: a reservation or usage of
 * 2^60 would make `sum + x - x` lose the other requests' tokens. Real
 * reservations are bounded by the token limit; this bounds usage reports too,
 * so a sum over millions of requests stays exact.
 */
export const MAX_REQUEST_TOKENS = 2 ** 32;

const counted = (tokens: number): number => Math.min(Math.max(0, Math.trunc(tokens)), MAX_REQUEST_TOKENS);
