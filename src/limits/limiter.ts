/**
 * One Durable Object per account (id made in the `eu` jurisdiction) enforces the
 * account's and its keys' limits. Admission is one RPC round trip.
 *
 * State lives in the object's SQLite storage and is mirrored in memory; the
 * mirror is rebuilt from storage when the object starts, so eviction does not
 * reset counters. The hot path never uses blockConcurrencyWhile: SQLite calls
 * are synchronous, and every write an RPC makes is committed as one batch by
 * the runtime (writes are coalesced per event, output gated until durable).
 * Each request is one row: admission writes it, release updates it; rows that
 * left the window are deleted in bulk at most every PRUNE_INTERVAL_MS.
 */
import { DurableObject } from "cloudflare:workers";
import { LimiterWindow, WINDOW_MS, type AdmitInput, type AdmitResult } from "./window";

/** A lease not released within this time is reclaimed by the alarm. */
export const LEASE_TTL_MS = 15 * 60_000;
/** How often old rows are deleted from storage (the in-memory window prunes on every call). */
const PRUNE_INTERVAL_MS = 5_000;

export type AdmitRequest = Omit<AdmitInput, "leaseTtlMs">;

/** A finished request: its lease to end and, when known, its real token usage. */
export interface Release {
  leaseId: string;
  tokens: number | null;
}

type Row = {
  lease_id: string;
  key_id: string;
  at: number;
  tokens: number;
  lease_expires_at: number | null;
};

export class AccountLimiter extends DurableObject<Env> {
  private readonly window = new LimiterWindow();
  private alarmAt: number | null = null;
  private prunedAt = 0;
  /** The clock; tests replace it to move through windows deterministically. */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`create table if not exists requests (
      lease_id text primary key, key_id text not null, at integer not null,
      tokens integer not null, lease_expires_at integer)`);
    sql.exec(`create index if not exists requests_at on requests (at)`);
    const now = this.clock();
    for (const r of sql.exec<Row>("select * from requests order by at")) {
      if (r.at > now - WINDOW_MS) this.window.addAdmission({ leaseId: r.lease_id, keyId: r.key_id, at: r.at, tokens: r.tokens });
      if (r.lease_expires_at !== null) this.window.addLease({ leaseId: r.lease_id, keyId: r.key_id, expiresAt: r.lease_expires_at });
    }
    this.alarmAt = this.window.nextLeaseExpiry();
  }

  /**
   * Admits one request. Releases of requests that ended meanwhile ride along,
   * applied first, so under load a request costs one call, not two.
   */
  admit(request: AdmitRequest, releases: readonly Release[] = []): AdmitResult {
    this.releaseMany(releases);
    const now = this.clock();
    const result = this.window.admit(now, { ...request, leaseTtlMs: LEASE_TTL_MS });
    if (result.admitted) {
      this.ctx.storage.sql.exec(
        "insert into requests (lease_id, key_id, at, tokens, lease_expires_at) values (?, ?, ?, ?, ?)",
        request.leaseId, request.keyId, now, request.tokens, now + LEASE_TTL_MS,
      );
      this.scheduleAlarm();
    }
    this.pruneStorage(now);
    return result;
  }

  /** Ends a request: frees its concurrency slot and settles its tokens (null: keep the reservation). */
  release(leaseId: string, actualTokens: number | null): boolean {
    const { lease, settled } = this.window.release(leaseId, actualTokens);
    const sql = this.ctx.storage.sql;
    if (settled) sql.exec("update requests set tokens = ?, lease_expires_at = null where lease_id = ?", settled.tokens, leaseId);
    else if (lease) sql.exec("update requests set lease_expires_at = null where lease_id = ?", leaseId);
    return lease !== undefined;
  }

  releaseMany(releases: readonly Release[]): void {
    for (const r of releases) this.release(r.leaseId, r.tokens);
  }

  /** Reclaims leases whose holder vanished, and prunes the window. */
  override async alarm(): Promise<void> {
    const now = this.clock();
    const sql = this.ctx.storage.sql;
    for (const lease of this.window.expireLeases(now)) sql.exec("update requests set lease_expires_at = null where lease_id = ?", lease.leaseId);
    this.window.prune(now);
    this.pruneStorage(now, true);
    this.alarmAt = null;
    this.scheduleAlarm();
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

  /** Deletes rows that left the window and hold no lease; bounded to one statement per interval. */
  private pruneStorage(now: number, force = false): void {
    if (!force && now - this.prunedAt < PRUNE_INTERVAL_MS) return;
    this.prunedAt = now;
    this.ctx.storage.sql.exec("delete from requests where at <= ? and lease_expires_at is null", now - WINDOW_MS);
  }

  private scheduleAlarm(): void {
    const next = this.window.nextLeaseExpiry();
    if (next === null || (this.alarmAt !== null && this.alarmAt <= next)) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }
}
