/**
 * The account's money, held by its limiter object (src/limits/limiter.ts) in
 * the object's SQLite storage and mirrored in memory (rebuilt when the object
 * starts): the prepaid balance, the money reserved by requests in flight, each
 * key's settled spend per budget period (shared along a rotation chain:
 * spend-aliases.ts), and the ledger entries not yet in the billing database.
 * Every call is synchronous, so admission checks and reserves atomically with
 * every other request of the account (docs/billing.md, "Credits, budgets and the ledger").
 */
import { BUDGET_PERIODS, type BudgetPeriod } from "../db/schema";
import { periodBounds } from "./budget-period";
import { blankEntry, PENDING_COLUMNS, PendingLedger } from "./pending-ledger";
import { SPEND_ALIAS_COLUMNS, SpendAliases } from "./spend-aliases";
import type { Charge, CreditState, KeySpend, LedgerEntryInput, SpendRefusal, SpendReservation } from "./types";

/** The object's tables for money, by column: the privacy data map (GET /v1/privacy) lists these. */
export const CREDIT_TABLES = {
  credit_account: ["id", "account_id", "balance_nano", "low_balance_threshold_nano"],
  credit_reservations: ["lease_id", "key_id", "reserved_nano", "admitted_at"],
  credit_reclaimed: ["lease_id", "key_id", "admitted_at"],
  credit_key_spend: ["key_id", "period", "period_start", "spent_nano"],
  credit_key_alias: SPEND_ALIAS_COLUMNS,
  credit_pending: PENDING_COLUMNS,
  credit_applied: ["entry_id", "applied_at"],
} as const;

/**
 * How long a reclaimed reservation's lease is remembered after admission: a
 * settlement arriving within it (a response that outlived LEASE_TTL_MS, such
 * as a long reasoning stream) is still charged. Far past any response's life.
 */
export const RECLAIMED_TTL_MS = 24 * 3_600_000;

interface Reserved {
  /** The key whose spend counter the request draws on (SpendAliases.spendKeyOf). */
  keyId: string;
  nano: number;
  admittedAt: number;
}

/** A lease whose reservation was reclaimed before it settled. */
type Reclaimed = Omit<Reserved, "nano">;

export class CreditBook {
  private accountId: string | null = null;
  private balance = 0;
  private lowBalanceThreshold: number | null = null;
  private readonly reservations = new Map<string, Reserved>();
  private reservedTotal = 0;
  private readonly keyReserved = new Map<string, number>();
  private readonly reclaimed = new Map<string, Reclaimed>();
  /** Settled spend by key and period kind: the period's start and the sum in it. */
  private readonly spend = new Map<string, Map<BudgetPeriod, { start: number; nano: number }>>();
  private readonly pending: PendingLedger;
  private readonly aliases: SpendAliases;

  constructor(private readonly sql: SqlStorage, now: number) {
    sql.exec(`create table if not exists credit_account (id integer primary key check (id = 1), account_id text,
      balance_nano integer not null, low_balance_threshold_nano integer)`);
    sql.exec(`create table if not exists credit_reservations (lease_id text primary key, key_id text not null,
      reserved_nano integer not null, admitted_at integer not null)`);
    sql.exec("create table if not exists credit_reclaimed (lease_id text primary key, key_id text not null, admitted_at integer not null)");
    sql.exec(`create table if not exists credit_key_spend (key_id text not null, period text not null,
      period_start integer not null, spent_nano integer not null, primary key (key_id, period))`);
    sql.exec("create table if not exists credit_applied (entry_id text primary key, applied_at integer not null)");
    for (const r of sql.exec<{ account_id: string | null; balance_nano: number; low_balance_threshold_nano: number | null }>("select * from credit_account")) {
      this.accountId = r.account_id;
      this.balance = r.balance_nano;
      this.lowBalanceThreshold = r.low_balance_threshold_nano;
    }
    for (const r of sql.exec<{ lease_id: string; key_id: string; reserved_nano: number; admitted_at: number }>("select * from credit_reservations")) {
      this.hold(r.lease_id, { keyId: r.key_id, nano: r.reserved_nano, admittedAt: r.admitted_at });
    }
    for (const r of sql.exec<{ lease_id: string; key_id: string; admitted_at: number }>("select * from credit_reclaimed")) {
      this.reclaimed.set(r.lease_id, { keyId: r.key_id, admittedAt: r.admitted_at });
    }
    for (const r of sql.exec<{ key_id: string; period: BudgetPeriod; period_start: number; spent_nano: number }>("select * from credit_key_spend")) {
      this.keySpend(r.key_id).set(r.period, { start: r.period_start, nano: r.spent_nano });
    }
    this.pending = new PendingLedger(sql, now);
    this.aliases = new SpendAliases(sql);
  }

  /** Remembers the account the object holds money for: ledger rows are written under it. */
  knowAccount(accountId: string): void {
    if (this.accountId === accountId) return;
    this.accountId = accountId;
    this.saveAccount();
  }

  /** The key made by rotating `oldKeyId` spends on the same counter from now on. */
  shareSpend(oldKeyId: string, newKeyId: string): void {
    this.aliases.record(oldKeyId, newKeyId);
  }

  /** Why this request may not be admitted for money, or null. Changes nothing. */
  refusal(keyId: string, spend: SpendReservation, now: number): SpendRefusal | null {
    if (this.balance - this.reservedTotal < spend.maxPriceNano) return "insufficient_credits";
    const budget = spend.keyBudget;
    const spendKey = this.aliases.spendKeyOf(keyId);
    const over = budget && this.spentIn(spendKey, budget.period, now) + (this.keyReserved.get(spendKey) ?? 0) + spend.maxPriceNano > budget.limitNano;
    return over ? "budget_exceeded" : null;
  }

  /** Holds the request's maximum price, on its key's spend counter, until it settles. */
  reserve(leaseId: string, keyId: string, maxPriceNano: number, now: number): void {
    if (this.reservations.has(leaseId)) return;
    const spendKey = this.aliases.spendKeyOf(keyId);
    this.hold(leaseId, { keyId: spendKey, nano: maxPriceNano, admittedAt: now });
    this.sql.exec("insert into credit_reservations (lease_id, key_id, reserved_nano, admitted_at) values (?, ?, ?, ?)", leaseId, spendKey, maxPriceNano, now);
  }

  /**
   * Settles a request to its real price: frees its reservation, debits the
   * balance and the key's spend, and adds it to the open usage entry (a free
   * request, one that failed having generated nothing, makes no entry). A
   * lease whose reservation was reclaimed is charged all the same (its money
   * was released, so this may overdraw by its price); one settled already,
   * or never admitted, is not charged.
   */
  settle(leaseId: string, charge: Charge, now: number): boolean {
    const held = this.reservations.get(leaseId) ?? this.reclaimed.get(leaseId);
    if (!held || !this.accountId) return false;
    if (this.reservations.has(leaseId)) this.unhold(leaseId);
    else this.forget(leaseId);
    if (charge.priceNano === 0 && charge.providerCostNano === 0) return true;
    this.balance -= charge.priceNano;
    this.saveAccount();
    for (const period of BUDGET_PERIODS) {
      const { start } = periodBounds(period, now);
      const spent = this.spentIn(held.keyId, period, now) + charge.priceNano;
      this.keySpend(held.keyId).set(period, { start, nano: spent });
      this.sql.exec("insert or replace into credit_key_spend (key_id, period, period_start, spent_nano) values (?, ?, ?, ?)", held.keyId, period, start, spent);
    }
    this.pending.addUsage(this.accountId, charge, now);
    return true;
  }

  /**
   * Releases the money of reservations made before `before` and not settled
   * (their isolate died, or the response still runs), so a dead isolate does
   * not lock credit; each lease is remembered until RECLAIMED_TTL_MS after
   * admission, so a settlement arriving meanwhile is still charged.
   */
  reclaim(before: number): number {
    let reclaimed = 0;
    for (const [leaseId, held] of this.reservations) {
      if (held.admittedAt > before) continue;
      this.unhold(leaseId);
      this.reclaimed.set(leaseId, { keyId: held.keyId, admittedAt: held.admittedAt });
      this.sql.exec("insert or replace into credit_reclaimed (lease_id, key_id, admitted_at) values (?, ?, ?)", leaseId, held.keyId, held.admittedAt);
      reclaimed++;
    }
    return reclaimed;
  }

  /** Forgets reclaimed leases admitted RECLAIMED_TTL_MS or more before `now`: they are no longer charged. */
  pruneReclaimed(now: number): void {
    for (const [leaseId, lease] of this.reclaimed) if (lease.admittedAt + RECLAIMED_TTL_MS <= now) this.forget(leaseId);
  }

  /** Applies a balance change once per entry id. */
  credit(entry: LedgerEntryInput, now: number): { applied: boolean; balanceNano: number } {
    const known = this.pending.has(entry.entryId) || this.sql.exec("select 1 from credit_applied where entry_id = ?", entry.entryId).toArray().length > 0;
    if (known) return { applied: false, balanceNano: this.balance };
    this.knowAccount(entry.accountId);
    this.balance += entry.amountNano;
    this.saveAccount();
    this.pending.add({
      ...blankEntry(entry.entryId, entry.accountId, entry.kind, entry.at ?? now),
      amountNano: entry.amountNano,
      paidMinor: entry.paidMinor ?? null,
      currency: entry.currency ?? null,
      reference: entry.reference ?? null,
      note: entry.note ?? null,
    });
    this.sql.exec("insert into credit_applied (entry_id, applied_at) values (?, ?)", entry.entryId, now);
    return { applied: true, balanceNano: this.balance };
  }

  /** What the low-balance notice (low-balance.ts) needs to know of the account's money. */
  lowBalance(): { accountId: string | null; balanceNano: number; thresholdNano: number | null } {
    return { accountId: this.accountId, balanceNano: this.balance, thresholdNano: this.lowBalanceThreshold };
  }

  setLowBalanceThreshold(nano: number | null): void {
    this.lowBalanceThreshold = nano;
    this.saveAccount();
  }

  /** The money state; key spend (shared along a rotation chain) is for each key's budget period in `periods` (default monthly). */
  state(now: number, periods: Record<string, BudgetPeriod> = {}): CreditState {
    const keySpend: Record<string, KeySpend> = {};
    for (const keyId of new Set([...this.spend.keys(), ...this.keyReserved.keys(), ...this.aliases.aliased()])) {
      const period = periods[keyId] ?? "monthly";
      const { start, end } = periodBounds(period, now);
      const spendKey = this.aliases.spendKeyOf(keyId);
      const spentNano = this.spentIn(spendKey, period, now);
      const reservedNano = this.keyReserved.get(spendKey) ?? 0;
      if (spentNano > 0 || reservedNano > 0) keySpend[keyId] = { period, periodStart: start, resetsAt: end, spentNano, reservedNano };
    }
    return {
      balanceNano: this.balance,
      reservedNano: this.reservedTotal,
      availableNano: this.balance - this.reservedTotal,
      pending: this.pending.list(),
      keySpend,
      lowBalanceThresholdNano: this.lowBalanceThreshold,
    };
  }

  /** When the oldest reservation was made (its reclaim is due LEASE_TTL_MS later), or null. */
  oldestReservation(): number | null {
    let oldest: number | null = null;
    for (const held of this.reservations.values()) if (oldest === null || held.admittedAt < oldest) oldest = held.admittedAt;
    return oldest;
  }

  /** When the oldest reclaimed lease is to be forgotten, or null. */
  nextReclaimedExpiry(): number | null {
    let oldest: number | null = null;
    for (const lease of this.reclaimed.values()) if (oldest === null || lease.admittedAt < oldest) oldest = lease.admittedAt;
    return oldest === null ? null : oldest + RECLAIMED_TTL_MS;
  }

  /** When the alarm should flush (or retry), or null. */
  nextFlush(): number | null {
    return this.pending.nextFlush();
  }

  /** Copies pending entries to the billing database (pending-ledger.ts). */
  flush(db: D1Database, now: () => number): Promise<number> {
    return this.pending.flush(db, now);
  }

  /** Resolves once no flush is writing (erasure must not race one that carries the account id). */
  idle(): Promise<void> {
    return this.pending.idle();
  }

  /**
   * Erasure: entries not yet in the billing database are kept, under
   * `pseudonym`, for the alarm to write (billing records outlive the
   * account); everything else is deleted, reclaimed leases included, so a
   * request in flight that settles after the erasure is not charged (its log
   * event keeps its cost: docs/billing.md, "Erasure").
   */
  erase(pseudonym: string, now: number): void {
    this.pending.moveTo(pseudonym, now);
    for (const table of ["credit_account", "credit_reservations", "credit_reclaimed", "credit_key_spend", "credit_applied"]) this.sql.exec(`delete from ${table}`);
    this.accountId = null;
    this.balance = this.reservedTotal = 0;
    this.lowBalanceThreshold = null;
    this.reservations.clear();
    this.reclaimed.clear();
    this.keyReserved.clear();
    this.spend.clear();
    this.aliases.clear();
  }

  private spentIn(keyId: string, period: BudgetPeriod, now: number): number {
    const known = this.spend.get(keyId)?.get(period);
    return known && known.start === periodBounds(period, now).start ? known.nano : 0;
  }

  private keySpend(keyId: string): Map<BudgetPeriod, { start: number; nano: number }> {
    let periods = this.spend.get(keyId);
    if (!periods) this.spend.set(keyId, (periods = new Map()));
    return periods;
  }

  private hold(leaseId: string, held: Reserved): void {
    this.reservations.set(leaseId, held);
    this.reservedTotal += held.nano;
    this.keyReserved.set(held.keyId, (this.keyReserved.get(held.keyId) ?? 0) + held.nano);
  }

  private unhold(leaseId: string): void {
    const held = this.reservations.get(leaseId)!;
    this.reservations.delete(leaseId);
    this.reservedTotal -= held.nano;
    const left = this.keyReserved.get(held.keyId)! - held.nano;
    if (left === 0) this.keyReserved.delete(held.keyId);
    else this.keyReserved.set(held.keyId, left);
    this.sql.exec("delete from credit_reservations where lease_id = ?", leaseId);
  }

  private forget(leaseId: string): void {
    this.reclaimed.delete(leaseId);
    this.sql.exec("delete from credit_reclaimed where lease_id = ?", leaseId);
  }

  private saveAccount(): void {
    this.sql.exec(
      "insert or replace into credit_account (id, account_id, balance_nano, low_balance_threshold_nano) values (1, ?, ?, ?)",
      this.accountId, this.balance, this.lowBalanceThreshold,
    );
  }
}
