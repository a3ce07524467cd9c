/**
 * The limiter's window in storage (src/limits/limiter.ts): one row per
 * request, written at admission and updated at release, so a restarted object
 * rebuilds its window. Rows that left the window are deleted in bulk at most
 * every PRUNE_INTERVAL_MS.
 */
import { LimiterWindow, WINDOW_MS } from "./window";

/** The window's table, by column: the privacy data map (GET /v1/privacy) lists these. */
export const LIMITER_REQUEST_COLUMNS = ["lease_id", "key_id", "at", "tokens", "lease_expires_at"] as const;

/** How often old rows are deleted from storage (the in-memory window prunes on every call). */
const PRUNE_INTERVAL_MS = 5_000;

type Row = { lease_id: string; key_id: string; at: number; tokens: number; lease_expires_at: number | null };

export class RequestRows {
  private prunedAt = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`create table if not exists requests (
      lease_id text primary key, key_id text not null, at integer not null,
      tokens integer not null, lease_expires_at integer)`);
    sql.exec(`create index if not exists requests_at on requests (at)`);
  }

  /** A window holding the stored admissions still in it and every open lease. */
  load(now: number): LimiterWindow {
    const window = new LimiterWindow();
    for (const r of this.sql.exec<Row>("select * from requests order by at")) {
      if (r.at > now - WINDOW_MS) window.addAdmission({ leaseId: r.lease_id, keyId: r.key_id, at: r.at, tokens: r.tokens });
      if (r.lease_expires_at !== null) window.addLease({ leaseId: r.lease_id, keyId: r.key_id, expiresAt: r.lease_expires_at });
    }
    return window;
  }

  admitted(leaseId: string, keyId: string, at: number, tokens: number, leaseExpiresAt: number): void {
    this.sql.exec("insert into requests (lease_id, key_id, at, tokens, lease_expires_at) values (?, ?, ?, ?, ?)", leaseId, keyId, at, tokens, leaseExpiresAt);
  }

  /** The lease ended; `tokens` (when known) replaces the reservation. */
  released(leaseId: string, tokens: number | null): void {
    if (tokens === null) this.sql.exec("update requests set lease_expires_at = null where lease_id = ?", leaseId);
    else this.sql.exec("update requests set tokens = ?, lease_expires_at = null where lease_id = ?", tokens, leaseId);
  }

  clear(): void {
    this.sql.exec("delete from requests");
  }

  /** Deletes rows that left the window and hold no lease; bounded to one statement per interval unless forced. */
  prune(now: number, force = false): void {
    if (!force && now - this.prunedAt < PRUNE_INTERVAL_MS) return;
    this.prunedAt = now;
    this.sql.exec("delete from requests where at <= ? and lease_expires_at is null", now - WINDOW_MS);
  }
}
