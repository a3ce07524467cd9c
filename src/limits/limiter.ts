/**
 * One Durable Object per account (id made in the `eu` jurisdiction) enforces the
 * account's and its keys' limits. Admission is one RPC round trip.
 *
 * State lives in the object's SQLite storage and is mirrored in memory; the
 * mirror is rebuilt from storage when the object starts, so eviction does not
 * reset counters. The hot path never uses blockConcurrencyWhile: SQLite calls
 * are synchronous, and every write an RPC makes is committed as one batch by
 * the runtime (writes are coalesced per event, output gated until durable).
 */
import { DurableObject } from "cloudflare:workers";
import { LimiterWindow, type AdmitInput, type AdmitResult } from "./window";

/** A lease not released within this time is reclaimed by the alarm. */
export const LEASE_TTL_MS = 15 * 60_000;

export type AdmitRequest = Omit<AdmitInput, "leaseTtlMs">;

export class AccountLimiter extends DurableObject<Env> {
  private readonly window = new LimiterWindow();
  private alarmAt: number | null = null;
  /** The clock; tests replace it to move through windows deterministically. */
  clock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`create table if not exists admissions (lease_id text primary key, key_id text not null, at integer not null, tokens integer not null)`);
    sql.exec(`create index if not exists admissions_at on admissions (at)`);
    sql.exec(`create table if not exists leases (lease_id text primary key, key_id text not null, expires_at integer not null)`);
    for (const r of sql.exec<{ lease_id: string; key_id: string; at: number; tokens: number }>("select * from admissions order by at")) {
      this.window.admissions.push({ leaseId: r.lease_id, keyId: r.key_id, at: r.at, tokens: r.tokens });
    }
    for (const r of sql.exec<{ lease_id: string; key_id: string; expires_at: number }>("select * from leases")) {
      this.window.leases.set(r.lease_id, { leaseId: r.lease_id, keyId: r.key_id, expiresAt: r.expires_at });
    }
    this.alarmAt = this.window.nextLeaseExpiry();
  }

  admit(request: AdmitRequest): AdmitResult {
    const now = this.clock();
    const before = this.window.admissions.length;
    const result = this.window.admit(now, { ...request, leaseTtlMs: LEASE_TTL_MS });
    const sql = this.ctx.storage.sql;
    if (this.window.admissions.length < before + (result.admitted ? 1 : 0)) {
      sql.exec("delete from admissions where at <= ?", now - 60_000);
    }
    if (result.admitted) {
      sql.exec("insert into admissions (lease_id, key_id, at, tokens) values (?, ?, ?, ?)", request.leaseId, request.keyId, now, request.tokens);
      sql.exec("insert into leases (lease_id, key_id, expires_at) values (?, ?, ?)", request.leaseId, request.keyId, now + LEASE_TTL_MS);
      this.scheduleAlarm();
    }
    return result;
  }

  /** Ends a request: frees its concurrency slot and settles its tokens (null: keep the reservation). */
  release(leaseId: string, actualTokens: number | null): boolean {
    const { lease, settled } = this.window.release(leaseId, actualTokens);
    const sql = this.ctx.storage.sql;
    if (lease) sql.exec("delete from leases where lease_id = ?", leaseId);
    if (settled) sql.exec("update admissions set tokens = ? where lease_id = ?", settled.tokens, leaseId);
    return lease !== undefined;
  }

  /** Reclaims leases whose holder vanished, and prunes the window. */
  override async alarm(): Promise<void> {
    const now = this.clock();
    const sql = this.ctx.storage.sql;
    for (const lease of this.window.expireLeases(now)) sql.exec("delete from leases where lease_id = ?", lease.leaseId);
    if (this.window.prune(now) > 0) sql.exec("delete from admissions where at <= ?", now - 60_000);
    this.alarmAt = null;
    this.scheduleAlarm();
  }

  /** Counts for tests and operators: nothing here is secret. */
  snapshot(): { leases: number; admissions: number; tokens: number } {
    this.window.prune(this.clock());
    return {
      leases: this.window.leases.size,
      admissions: this.window.admissions.length,
      tokens: this.window.admissions.reduce((sum, a) => sum + a.tokens, 0),
    };
  }

  private scheduleAlarm(): void {
    const next = this.window.nextLeaseExpiry();
    if (next === null || (this.alarmAt !== null && this.alarmAt <= next)) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }
}
