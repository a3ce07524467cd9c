/**
 * The ledger entries an account's limiter object made and the billing
 * database does not have yet (table `credit_pending`, mirrored in memory),
 * and their flush: written to `credit_ledger` by entry id, deleted here only
 * after the write succeeded, retried with backoff while it fails
 * (docs/billing.md, "The ledger: made by the object, copied by its alarm").
 */
import type { LedgerKind } from "../db/billing-schema";
import { type LedgerRow, writeLedgerRows } from "./ledger-sync";
import type { Charge, LedgerEntry } from "./types";

/** A new pending entry is copied to the billing database this long after it appears (more entries ride along). */
export const LEDGER_FLUSH_DELAY_MS = 5_000;
/** Longest wait between flush attempts while the billing database fails. */
const FLUSH_BACKOFF_MAX_MS = 5 * 60_000;
/** Entries per flush (one D1 batch); more are flushed by the next alarm, at once. */
const FLUSH_MAX_ENTRIES = 450;

export const PENDING_COLUMNS = ["entry_id", "account_id", "kind", "amount_nano", "provider_cost_nano", "requests", "paid_minor", "currency", "reference", "note", "created_at", "sealed"] as const;

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

/** A new entry with nothing but its identity: the caller fills in the amounts. */
export const blankEntry = (entryId: string, accountId: string, kind: LedgerKind, createdAt: number): LedgerRow => ({
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
});

export class PendingLedger {
  private readonly entries = new Map<string, Pending>();
  /** The usage entry settled requests are added to; null: the next one opens a new entry. */
  private openUsage: string | null = null;
  /** When the alarm should flush; null: nothing pending. */
  private dueAt: number | null = null;
  private failedFlushes = 0;
  private flushing: Promise<number> | null = null;

  constructor(private readonly sql: SqlStorage, now: number) {
    sql.exec(`create table if not exists credit_pending (entry_id text primary key, account_id text not null, kind text not null,
      amount_nano integer not null, provider_cost_nano integer not null, requests integer not null, paid_minor integer,
      currency text, reference text, note text, created_at integer not null, sealed integer not null)`);
    for (const r of sql.exec<PendingRow>("select * from credit_pending order by created_at")) {
      this.entries.set(r.entry_id, fromRow(r));
      if (r.kind === "usage" && r.sealed === 0) this.openUsage = r.entry_id;
    }
    if (this.entries.size > 0) this.dueAt = now + LEDGER_FLUSH_DELAY_MS;
  }

  has(entryId: string): boolean {
    return this.entries.has(entryId);
  }

  list(): LedgerEntry[] {
    return [...this.entries.values()].map(({ accountId: _account, sealed: _sealed, ...entry }) => entry);
  }

  add(entry: LedgerRow): void {
    this.save({ ...entry, sealed: false });
  }

  /** Adds a settled request to the open usage entry, or opens one. */
  addUsage(accountId: string, charge: Charge, now: number): void {
    const open = this.openUsage === null ? undefined : this.entries.get(this.openUsage);
    const base = open ?? { ...blankEntry(`usage:${crypto.randomUUID()}`, accountId, "usage", now), sealed: false };
    this.openUsage = base.entryId;
    this.save({ ...base, amountNano: base.amountNano - charge.priceNano, providerCostNano: base.providerCostNano + charge.providerCostNano, requests: base.requests + 1 });
  }

  /** Erasure: every pending entry is to be written under `pseudonym`, without its operator note (as pseudonymiseBilling leaves the ledger), flushed at the next alarm. */
  moveTo(pseudonym: string, now: number): void {
    // As pseudonymiseBilling does in the ledger: free text goes (an adjustment's reference is the operator's).
    for (const entry of this.entries.values()) this.save({ ...entry, accountId: pseudonym, note: null, reference: entry.kind === "adjustment" ? null : entry.reference });
    if (this.entries.size > 0) this.dueAt = now;
  }

  /** When the alarm should flush (or retry), or null. */
  nextFlush(): number | null {
    return this.dueAt;
  }

  /** Resolves once no flush is writing. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
  }

  /**
   * Writes pending entries to the billing database, then deletes them here.
   * Entries are sealed first: a request settling during the write opens a new
   * usage entry instead of changing one that may already be written. A
   * caller that finds a flush running waits for it, then flushes what is left.
   */
  async flush(db: D1Database, now: () => number): Promise<number> {
    // Checked and claimed with no await between: two callers that waited
    // together (the alarm and flushLedger) must not both start writing.
    while (this.flushing) await this.flushing.catch(() => 0);
    const run = this.flushOnce(db, now);
    this.flushing = run;
    try {
      return await run;
    } finally {
      this.flushing = null;
    }
  }

  private async flushOnce(db: D1Database, now: () => number): Promise<number> {
    const batch = [...this.entries.values()].slice(0, FLUSH_MAX_ENTRIES);
    for (const entry of batch) if (!entry.sealed) this.save({ ...entry, sealed: true });
    if (this.openUsage !== null && this.entries.get(this.openUsage)?.sealed) this.openUsage = null;
    try {
      await writeLedgerRows(db, batch.map(({ sealed: _sealed, ...row }) => row));
    } catch (err) {
      this.failedFlushes++;
      this.dueAt = now() + Math.min(LEDGER_FLUSH_DELAY_MS * 2 ** this.failedFlushes, FLUSH_BACKOFF_MAX_MS);
      throw err;
    }
    for (const entry of batch) {
      this.entries.delete(entry.entryId);
      this.sql.exec("delete from credit_pending where entry_id = ?", entry.entryId);
    }
    this.failedFlushes = 0;
    this.dueAt = this.entries.size === 0 ? null : now() + (this.entries.size > FLUSH_MAX_ENTRIES ? 0 : LEDGER_FLUSH_DELAY_MS);
    return batch.length;
  }

  private save(e: Pending): void {
    if (this.entries.size === 0 && this.dueAt === null) this.dueAt = e.createdAt + LEDGER_FLUSH_DELAY_MS;
    this.entries.set(e.entryId, e);
    this.sql.exec(
      `insert or replace into credit_pending (entry_id, account_id, kind, amount_nano, provider_cost_nano, requests, paid_minor,
        currency, reference, note, created_at, sealed) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      e.entryId, e.accountId, e.kind, e.amountNano, e.providerCostNano, e.requests, e.paidMinor, e.currency, e.reference, e.note, e.createdAt, e.sealed ? 1 : 0,
    );
  }
}

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
