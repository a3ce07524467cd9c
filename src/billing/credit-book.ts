/**
 * The account's money, held by its limiter object (src/limits/limiter.ts) in
 * the object's SQLite storage and mirrored in memory (rebuilt when the object
 * starts): the prepaid balance, the money reserved by requests in flight, each
 * key's settled spend per budget period, and the ledger entries not yet in the
 * billing database. Every call is synchronous, so admission checks and
 * reserves atomically with every other request of the account
 * (docs/billing.md, "Credits, budgets and the ledger").
 */
import { BUDGET_PERIODS, type BudgetPeriod } from "../db/schema";
import type { LedgerKind } from "../db/billing-schema";
import { periodBounds } from "./budget-period";
import { type LedgerRow, writeLedgerRows } from "./ledger-sync";
import type { Charge, CreditState, KeySpend, LedgerEntry, LedgerEntryInput, SpendRefusal, SpendReservation } from "./types";

/** A new pending entry is copied to the billing database this long after it appears (more entries ride along). */
export const LEDGER_FLUSH_DELAY_MS = 5_000;
/** Longest wait between flush attempts while the billing database fails. */
const FLUSH_BACKOFF_MAX_MS = 5 * 60_000;
/** Entries per flush (one D1 batch); more are flushed by the next alarm, at once. */
const FLUSH_MAX_ENTRIES = 450;

/** The object's tables for money, by column: the privacy data map (GET /v1/privacy) lists these. */
export const CREDIT_TABLES = {
  credit_account: ["id", "account_id", "balance_nano", "low_balance_threshold_nano"],
  credit_reservations: ["lease_id", "key_id", "reserved_nano", "admitted_at"],
  credit_key_spend: ["key_id", "period", "period_start", "spent_nano"],
  credit_pending: ["entry_id", "account_id", "kind", "amount_nano", "provider_cost_nano", "requests", "paid_minor", "currency", "reference", "note", "created_at", "sealed"],
  credit_applied: ["entry_id", "applied_at"],
} as const;

interface Reserved {
  keyId: string;
  nano: number;
  admittedAt: number;
}
/** A pending entry; `sealed`: a flush has started to write it, so it may no longer change. */
type Pending = LedgerRow & { sealed: boolean };
type PendingRow = Record<string, SqlStorageValue> & {
  entry_id: string;
  account_id: string;
  kind: LedgerKind;
  amount_nano: number;
  provider_cost_nano: number;
  requests: number;
  paid_minor: number | null;
  currency: string | null;
  reference: string | null;
  note: string | null;
  created_at: number;
  sealed: number;
};

export class CreditBook {
  private accountId: string | null = null;
  private balance = 0;
  private lowBalanceThreshold: number | null = null;
  private readonly reservations = new Map<string, Reserved>();
  private reservedTotal = 0;
  private readonly keyReserved = new Map<string, number>();
  /** Settled spend by key and period kind: the period's start and the sum in it. */
  private readonly spend = new Map<string, Map<BudgetPeriod, { start: number; nano: number }>>();
  private readonly pending = new Map<string, Pending>();
  /** When the alarm should flush pending entries; null: nothing pending. */
  private flushDueAt: number | null = null;
  private failedFlushes = 0;
  private flushing: Promise<number> | null = null;

  constructor(private readonly sql: SqlStorage, now: number) {
    sql.exec(`create table if not exists credit_account (id integer primary key check (id = 1), account_id text,
      balance_nano integer not null, low_balance_threshold_nano integer)`);
    sql.exec(`create table if not exists credit_reservations (lease_id text primary key, key_id text not null,
      reserved_nano integer not null, admitted_at integer not null)`);
    sql.exec(`create table if not exists credit_key_spend (key_id text not null, period text not null,
      period_start integer not null, spent_nano integer not null, primary key (key_id, period))`);
    sql.exec(`create table if not exists credit_pending (entry_id text primary key, account_id text not null, kind text not null,
      amount_nano integer not null, provider_cost_nano integer not null, requests integer not null, paid_minor integer,
      currency text, reference text, note text, created_at integer not null, sealed integer not null)`);
    sql.exec("create table if not exists credit_applied (entry_id text primary key, applied_at integer not null)");
    for (const r of sql.exec<{ account_id: string | null; balance_nano: number; low_balance_threshold_nano: number | null }>("select * from credit_account")) {
      this.accountId = r.account_id;
      this.balance = r.balance_nano;
      this.lowBalanceThreshold = r.low_balance_threshold_nano;
    }
    for (const r of sql.exec<{ lease_id: string; key_id: string; reserved_nano: number; admitted_at: number }>("select * from credit_reservations")) {
      this.hold(r.lease_id, { keyId: r.key_id, nano: r.reserved_nano, admittedAt: r.admitted_at });
    }
    for (const r of sql.exec<{ key_id: string; period: BudgetPeriod; period_start: number; spent_nano: number }>("select * from credit_key_spend")) {
      this.keySpend(r.key_id).set(r.period, { start: r.period_start, nano: r.spent_nano });
    }
    for (const r of sql.exec<PendingRow>("select * from credit_pending order by created_at")) this.pending.set(r.entry_id, fromRow(r));
    if (this.pending.size > 0) this.flushDueAt = now + LEDGER_FLUSH_DELAY_MS;
  }

  /** Remembers the account the object holds money for: ledger rows are written under it. */
  knowAccount(accountId: string): void {
    if (this.accountId === accountId) return;
    this.accountId = accountId;
    this.saveAccount();
  }

  /** Why this request may not be admitted for money, or null. Changes nothing. */
  refusal(keyId: string, spend: SpendReservation, now: number): SpendRefusal | null {
    if (this.balance - this.reservedTotal < spend.maxPriceNano) return "insufficient_credits";
    const budget = spend.keyBudget;
    if (budget && this.spentIn(keyId, budget.period, now) + (this.keyReserved.get(keyId) ?? 0) + spend.maxPriceNano > budget.limitNano) {
      return "budget_exceeded";
    }
    return null;
  }

  /** Holds the request's maximum price until it settles. */
  reserve(leaseId: string, keyId: string, maxPriceNano: number, now: number): void {
    if (this.reservations.has(leaseId)) return;
    this.hold(leaseId, { keyId, nano: maxPriceNano, admittedAt: now });
    this.sql.exec("insert into credit_reservations (lease_id, key_id, reserved_nano, admitted_at) values (?, ?, ?, ?)", leaseId, keyId, maxPriceNano, now);
  }

  /**
   * Settles a request to its real price: frees its reservation, debits the
   * balance and the key's spend, and adds it to the open usage entry. A lease
   * with no reservation (settled already, or reclaimed) is not charged again.
   */
  settle(leaseId: string, charge: Charge, now: number): boolean {
    const held = this.reservations.get(leaseId);
    if (!held || !this.accountId) return false;
    this.unhold(leaseId);
    this.balance -= charge.priceNano;
    this.saveAccount();
    for (const period of BUDGET_PERIODS) {
      const { start } = periodBounds(period, now);
      const spent = this.spentIn(held.keyId, period, now) + charge.priceNano;
      this.keySpend(held.keyId).set(period, { start, nano: spent });
      this.sql.exec("insert or replace into credit_key_spend (key_id, period, period_start, spent_nano) values (?, ?, ?, ?)", held.keyId, period, start, spent);
    }
    const open = [...this.pending.values()].find((e) => e.kind === "usage" && !e.sealed);
    const entry: Pending = open
      ? { ...open, amountNano: open.amountNano - charge.priceNano, providerCostNano: open.providerCostNano + charge.providerCostNano, requests: open.requests + 1 }
      : { ...blank(`usage:${crypto.randomUUID()}`, this.accountId, "usage", now), amountNano: -charge.priceNano, providerCostNano: charge.providerCostNano, requests: 1 };
    this.savePending(entry);
    return true;
  }

  /** Reservations older than `before` whose request never settled (its isolate died): released, charged nothing. */
  reclaim(before: number): number {
    let reclaimed = 0;
    for (const [leaseId, held] of this.reservations) {
      if (held.admittedAt > before) continue;
      this.unhold(leaseId);
      reclaimed++;
    }
    return reclaimed;
  }

  /** Applies a balance change once per entry id. */
  credit(entry: LedgerEntryInput, now: number): { applied: boolean; balanceNano: number } {
    const known = this.pending.has(entry.entryId) || this.sql.exec("select 1 from credit_applied where entry_id = ?", entry.entryId).toArray().length > 0;
    if (known) return { applied: false, balanceNano: this.balance };
    this.knowAccount(entry.accountId);
    this.balance += entry.amountNano;
    this.saveAccount();
    this.savePending({
      ...blank(entry.entryId, entry.accountId, entry.kind, entry.at ?? now),
      amountNano: entry.amountNano,
      paidMinor: entry.paidMinor ?? null,
      currency: entry.currency ?? null,
      reference: entry.reference ?? null,
      note: entry.note ?? null,
    });
    this.sql.exec("insert into credit_applied (entry_id, applied_at) values (?, ?)", entry.entryId, now);
    return { applied: true, balanceNano: this.balance };
  }

  setLowBalanceThreshold(nano: number | null): void {
    this.lowBalanceThreshold = nano;
    this.saveAccount();
  }

  /** The money state; key spend is reported for each key's budget period in `periods` (default monthly). */
  state(now: number, periods: Record<string, BudgetPeriod> = {}): CreditState {
    const keySpend: Record<string, KeySpend> = {};
    for (const keyId of new Set([...this.spend.keys(), ...this.keyReserved.keys()])) {
      const period = periods[keyId] ?? "monthly";
      const { start, end } = periodBounds(period, now);
      const spentNano = this.spentIn(keyId, period, now);
      const reservedNano = this.keyReserved.get(keyId) ?? 0;
      if (spentNano > 0 || reservedNano > 0) keySpend[keyId] = { period, periodStart: start, resetsAt: end, spentNano, reservedNano };
    }
    return {
      balanceNano: this.balance,
      reservedNano: this.reservedTotal,
      availableNano: this.balance - this.reservedTotal,
      pending: [...this.pending.values()].map(({ accountId: _a, sealed: _s, ...entry }): LedgerEntry => entry),
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

  /** When the alarm should flush (or retry), or null. */
  nextFlush(): number | null {
    return this.flushDueAt;
  }

  /**
   * Writes pending entries to the billing database, then deletes them here.
   * Entries are sealed first: a request settling during the write opens a new
   * usage entry instead of changing one that may already be written.
   */
  async flush(db: D1Database, now: () => number): Promise<number> {
    await this.idle();
    this.flushing = this.flushOnce(db, now);
    try {
      return await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /** Resolves once no flush is writing (erasure must not race one that carries the account id). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
  }

  /**
   * Erasure: entries not yet in the billing database are kept, under
   * `pseudonym`, for the alarm to write (billing records outlive the
   * account); everything else is deleted.
   */
  erase(pseudonym: string, now: number): void {
    for (const entry of this.pending.values()) this.savePending({ ...entry, accountId: pseudonym });
    for (const table of ["credit_account", "credit_reservations", "credit_key_spend", "credit_applied"]) this.sql.exec(`delete from ${table}`);
    this.accountId = null;
    this.balance = this.reservedTotal = 0;
    this.lowBalanceThreshold = null;
    this.reservations.clear();
    this.keyReserved.clear();
    this.spend.clear();
    if (this.pending.size > 0) this.flushDueAt = now;
  }

  private async flushOnce(db: D1Database, now: () => number): Promise<number> {
    const batch = [...this.pending.values()].slice(0, FLUSH_MAX_ENTRIES);
    for (const entry of batch) if (!entry.sealed) this.savePending({ ...entry, sealed: true });
    try {
      await writeLedgerRows(db, batch.map(({ sealed: _s, ...row }) => row));
    } catch (err) {
      this.failedFlushes++;
      this.flushDueAt = now() + Math.min(LEDGER_FLUSH_DELAY_MS * 2 ** this.failedFlushes, FLUSH_BACKOFF_MAX_MS);
      throw err;
    }
    for (const entry of batch) {
      this.pending.delete(entry.entryId);
      this.sql.exec("delete from credit_pending where entry_id = ?", entry.entryId);
    }
    this.failedFlushes = 0;
    this.flushDueAt = this.pending.size === 0 ? null : now() + (this.pending.size > FLUSH_MAX_ENTRIES ? 0 : LEDGER_FLUSH_DELAY_MS);
    return batch.length;
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

  private saveAccount(): void {
    this.sql.exec(
      "insert or replace into credit_account (id, account_id, balance_nano, low_balance_threshold_nano) values (1, ?, ?, ?)",
      this.accountId, this.balance, this.lowBalanceThreshold,
    );
  }

  private savePending(e: Pending): void {
    if (this.pending.size === 0 && this.flushDueAt === null) this.flushDueAt = e.createdAt + LEDGER_FLUSH_DELAY_MS;
    this.pending.set(e.entryId, e);
    this.sql.exec(
      `insert or replace into credit_pending (entry_id, account_id, kind, amount_nano, provider_cost_nano, requests, paid_minor,
        currency, reference, note, created_at, sealed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      e.entryId, e.accountId, e.kind, e.amountNano, e.providerCostNano, e.requests, e.paidMinor, e.currency, e.reference, e.note, e.createdAt, e.sealed ? 1 : 0,
    );
  }
}

const blank = (entryId: string, accountId: string, kind: LedgerKind, createdAt: number): Pending => ({
  entryId,
  accountId,
  kind,
  amountNano: 0,
  providerCostNano: 0,
  requests: 0,
  paidMinor: null,
  currency: null,
  reference: null,
  note: null,
  createdAt,
  sealed: false,
});

const fromRow = (r: PendingRow): Pending => ({
  entryId: r.entry_id,
  accountId: r.account_id,
  kind: r.kind,
  amountNano: r.amount_nano,
  providerCostNano: r.provider_cost_nano,
  requests: r.requests,
  paidMinor: r.paid_minor,
  currency: r.currency,
  reference: r.reference,
  note: r.note,
  createdAt: r.created_at,
  sealed: r.sealed === 1,
});
