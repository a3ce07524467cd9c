/**
 * One Durable Object per account (id made in the `eu` jurisdiction) enforces the
 * account's and its keys' limits. Admission is one RPC round trip.
 *
 * State lives in the object's SQLite storage and is mirrored in memory; the
 * mirror is rebuilt from storage when the object starts, so eviction does not
 * reset counters. The hot path never uses blockConcurrencyWhile: SQLite calls
 * are synchronous, and every write an RPC makes is committed as one batch by
 * the runtime (writes are coalesced per event, output gated until durable).
 * Each request is one row (request-rows.ts): admission writes it, release
 * updates it, old rows are pruned in bulk.
 *
 * It also holds the access changes it was told (access-state.ts): admission
 * refuses a revoked key or a closed, suspended or terminated account that the
 * caller's auth cache still trusts, and hands back what changed since the
 * caller's view was read.
 *
 * And it holds the account's money (src/billing/credit-book.ts): admission
 * reserves the request's maximum price, release settles it to the real price,
 * and the alarm copies the ledger entries it makes to the billing database.
 *
 * And the account's opt-in response cache (src/cache/store.ts, docs/cache.md):
 * admission given a cache key answers a live entry with the admission, so a
 * hit costs no extra call; `cachePut` stores a sealed answer after a miss.
 */
import { DurableObject } from "cloudflare:workers";
import { ResponseCacheStore, type CacheEntry, type CacheOrigin } from "../cache/store";
import { AccessState, type AccessOverrides, type AccessRefusal, type AccessView } from "./access-state";
import { BudgetOverrides } from "./budget-overrides";
import type { AccessChange } from "./controls";
import { CreditBook } from "../billing/credit-book";
import { LowBalanceNotices } from "../billing/low-balance";
import type { Charge, CreditState, LedgerEntryInput, SpendRefusal, SpendReservation } from "../billing/types";
import type { BudgetPeriod } from "../db/schema";
import { newPseudonym } from "../db/erasure";
import { accountLimits, keyLimits, penaltyLimits, type KeyOwnLimits } from "./tiers";
import { RequestRows } from "./request-rows";
import { LimiterWindow, type AdmitInput, type AdmitResult } from "./window";

/** A lease not released within this time is reclaimed by the alarm. */
export const LEASE_TTL_MS = 15 * 60_000;

export type AdmitRequest = Omit<AdmitInput, "leaseTtlMs"> & {
  /** The account the object serves: ledger rows are written under it. */
  accountId: string;
  /** The caller's view of the key and account: what it read, and when. */
  view: AccessView;
  /** The key's own limits as stored (null: the account's), so a tier change the view predates can re-cap them. */
  keyOwnLimits: KeyOwnLimits;
  /** Money to reserve (src/billing/types.ts). */
  spend: SpendReservation;
  /** A cacheable request's key (src/cache/key.ts): a live entry under it comes back as `cached`. */
  cacheKey?: string;
};

/**
 * Refused for access or for money (nothing admitted, nothing reserved), or the
 * window's decision with what changed since the caller's view.
 */
export type AdmitAnswer =
  | { refused: AccessRefusal; spendRefused?: never }
  | { refused: null; spendRefused: SpendRefusal }
  | (AdmitResult & { refused: null; spendRefused: null; overrides: AccessOverrides | null; cached?: CacheEntry });

/** A finished request: its lease to end and, when known, its real token usage. */
export interface Release {
  leaseId: string;
  tokens: number | null;
  /** What the request is charged; null or absent: not known yet, the money stays reserved (a later release settles it). */
  charge?: Charge | null;
}

export class AccountLimiter extends DurableObject<Env> {
  private window: LimiterWindow;
  private readonly rows: RequestRows;
  private readonly access: AccessState;
  private readonly budgets: BudgetOverrides;
  private readonly credits: CreditBook;
  private readonly notices: LowBalanceNotices;
  private readonly cache: ResponseCacheStore;
  private alarmAt: number | null = null;
  /** The clock; tests replace it to move through windows deterministically. */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    const now = this.clock();
    this.rows = new RequestRows(sql);
    this.window = this.rows.load(now);
    this.access = new AccessState(sql);
    this.budgets = new BudgetOverrides(sql);
    this.credits = new CreditBook(sql, now);
    this.notices = new LowBalanceNotices(sql);
    this.cache = new ResponseCacheStore(sql);
    this.alarmAt = this.nextAlarm();
  }

  /**
   * Admits one request. Releases of requests that ended meanwhile ride along,
   * applied first, so under load a request costs one call, not two.
   * Given a cache key, a live entry comes back as `cached` once admitted: a hit
   * counts against the rate limits but reserves no money (release it with no
   * charge); an expired one is never returned.
   */
  admit(request: AdmitRequest, releases: readonly Release[] = []): AdmitAnswer {
    this.releaseMany(releases);
    const now = this.clock();
    const { view, spend, accountId, cacheKey, ...input } = request;
    const refused = this.access.refusal(input.keyId, view, now);
    if (refused) return { refused };
    this.credits.knowAccount(accountId);
    // Money before rate: a request the account cannot pay for takes no
    // rate-limit slot, and one refused for rate holds no money (reserved below
    // only once the window admitted it).
    // A budget changed after the caller's view was read is the one enforced.
    const cached = cacheKey === undefined ? null : this.cache.get(cacheKey, now);
    const toldBudget = this.budgets.newerThan(input.keyId, view);
    const spendRefused = cached ? null : this.credits.refusal(input.keyId, toldBudget === undefined ? spend : { ...spend, keyBudget: toldBudget }, now);
    if (spendRefused) return { refused: null, spendRefused };
    const overrides = this.access.overrides(view, now);
    // A tier change the caller does not know of yet (a subscription event) sets this very request's limits.
    if (overrides?.tier !== undefined) {
      input.account = accountLimits(overrides.tier, view.status);
      input.key = keyLimits(input.account, request.keyOwnLimits);
    }
    // A penalty the caller does not know of yet applies to this very request.
    if (overrides?.status === "rate_limited" && view.status !== "rate_limited") {
      input.account = penaltyLimits(input.account);
      input.key = keyLimits(input.account, input.key);
    }
    const result = this.window.admit(now, { ...input, leaseTtlMs: LEASE_TTL_MS });
    if (result.admitted) {
      this.rows.admitted(request.leaseId, request.keyId, now, request.tokens, now + LEASE_TTL_MS);
      if (!cached) this.credits.reserve(request.leaseId, request.keyId, spend.maxPriceNano, now);
      this.scheduleAlarm();
    }
    this.rows.prune(now);
    return { ...result, refused: null, spendRefused: null, overrides, ...(cached && result.admitted ? { cached } : {}) };
  }

  /** Stores a sealed answer after a complete response (false: not stored, ResponseCacheStore.put says why). */
  cachePut(entry: CacheEntry, origin?: CacheOrigin): boolean {
    const stored = this.cache.put(entry, this.clock(), origin);
    if (stored) this.scheduleAlarm();
    return stored;
  }

  /** Deletes every cached answer of the account at once (the opt-in withdrawn). */
  cachePurge(): void {
    this.cache.purge(this.clock());
    this.scheduleAlarm();
  }

  /** Records an access change (src/limits/controls.ts pushAccessChange). */
  recordAccess(change: AccessChange): void {
    this.access.record(change, this.clock());
    if (change.keyBudgets) this.budgets.record(change.keyBudgets, this.clock());
    for (const r of change.rotations ?? []) this.credits.shareSpend(r.oldKeyId, r.newKeyId);
    this.scheduleAlarm();
  }

  /**
   * Erasure: deletes every stored request, access record and money record,
   * keeping only a closure tombstone that refuses the account's keys while an
   * isolate may still trust them (the alarm deletes it after that), and the
   * ledger entries not yet in the billing database, which the alarm writes under
   * `pseudonym` (the one the account's billing rows get; a fresh one if none is given).
   */
  async erase(pseudonym: string = newPseudonym()): Promise<void> {
    await this.credits.idle();
    this.credits.erase(pseudonym, this.clock());
    this.notices.clear();
    this.cache.purge(this.clock());
    this.rows.clear();
    this.window = new LimiterWindow();
    this.access.eraseToTombstone(this.clock());
    this.budgets.clear();
    this.scheduleAlarm();
  }

  /**
   * Ends a request: frees its concurrency slot, settles its tokens (null: keep
   * the reservation) and, given a charge, its money (once per lease).
   */
  release(leaseId: string, actualTokens: number | null, charge: Charge | null = null): boolean {
    const { lease, settled } = this.window.release(leaseId, actualTokens);
    if (settled || lease) this.rows.released(leaseId, settled ? settled.tokens : null);
    if (charge) this.watchBalance(() => this.credits.settle(leaseId, charge, this.clock()));
    return lease !== undefined;
  }

  releaseMany(releases: readonly Release[]): void {
    for (const r of releases) this.release(r.leaseId, r.tokens, r.charge ?? null);
    this.scheduleAlarm();
  }

  /** Reclaims leases and reservations not released in time, forgets old reclaimed leases, and prunes the window. */
  override async alarm(): Promise<void> {
    const now = this.clock();
    for (const lease of this.window.expireLeases(now)) this.rows.released(lease.leaseId, null);
    const reclaimed = this.credits.reclaim(now - LEASE_TTL_MS);
    if (reclaimed > 0) console.error(`limiter: ${reclaimed} reservation(s) not settled ${LEASE_TTL_MS / 60_000} min after admission; released (a later settlement is still charged)`);
    this.credits.pruneReclaimed(now);
    if ((this.credits.nextFlush() ?? Infinity) <= now) await this.flushLedger();
    const money = this.credits.lowBalance();
    if (money.accountId !== null && (this.notices.dueAt() ?? Infinity) <= now) await this.notices.deliver(this.env, money.accountId, money, now);
    this.window.prune(now);
    this.rows.prune(now, true);
    this.cache.deleteExpired(now);
    this.access.prune(now);
    this.budgets.prune(now);
    this.alarmAt = null;
    this.scheduleAlarm();
  }

  /** Applies a top-up, refund, subscription payment or adjustment once per entry id. */
  credit(entry: LedgerEntryInput): { applied: boolean; balanceNano: number } {
    const answer = this.watchBalance(() => this.credits.credit(entry, this.clock()));
    this.scheduleAlarm();
    return answer;
  }

  /**
   * The account's balance, reservations, key spend and pending ledger entries;
   * each key's spend is reported for its budget period in `periods` (monthly
   * for a key not listed).
   */
  creditState(periods: Record<string, BudgetPeriod> = {}): CreditState {
    return this.credits.state(this.clock(), periods);
  }

  /** Sets (or clears, null) the balance below which the customer is emailed a notice. */
  setLowBalanceThreshold(nano: number | null): void {
    this.credits.setLowBalanceThreshold(nano);
  }

  /**
   * Copies pending ledger entries to the billing database; resolves with how
   * many were written (0 when it failed: they stay pending and the alarm
   * retries, backing off).
   */
  async flushLedger(): Promise<number> {
    const written = await this.credits.flush(this.env.BILLING_DB, this.clock).catch((err: unknown) => {
      console.error("ledger flush failed; retrying", err instanceof Error ? err.message : String(err));
      return 0;
    });
    this.scheduleAlarm();
    return written;
  }

  /** Counts for tests and operators: nothing here is secret. */
  snapshot(): { leases: number; admissions: number; tokens: number } {
    this.window.prune(this.clock());
    return {
      leases: this.window.leases.size,
      admissions: this.window.admissionCount,
      tokens: this.window.tokenCount,
    };
  }

  /** Runs a balance change and queues a low-balance notice if it crossed the customer's threshold downwards. */
  private watchBalance<T>(change: () => T): T {
    const before = this.credits.lowBalance().balanceNano;
    const result = change();
    const after = this.credits.lowBalance();
    if (this.notices.observe(before, after.balanceNano, after.thresholdNano, this.clock())) this.scheduleAlarm();
    return result;
  }

  /**
   * The earliest of the next lease expiry, the next access record's expiry,
   * the next ledger flush, the oldest reservation's reclaim, the oldest
   * reclaimed lease's end and the next cache sweep.
   */
  private nextAlarm(): number | null {
    const oldest = this.credits.oldestReservation();
    const times = [
      this.window.nextLeaseExpiry(),
      this.access.nextExpiry(),
      this.credits.nextFlush(),
      oldest === null ? null : oldest + LEASE_TTL_MS,
      this.credits.nextReclaimedExpiry(),
      this.notices.dueAt(),
      this.budgets.nextExpiry(),
      this.cache.nextSweep(),
    ].filter((t) => t !== null);
    return times.length > 0 ? Math.min(...times) : null;
  }

  private scheduleAlarm(): void {
    const next = this.nextAlarm();
    if (next === null || (this.alarmAt !== null && this.alarmAt <= next)) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }
}
