/**
 * The account's response cache, held by its limiter object (src/limits/limiter.ts)
 * in the object's SQLite storage (EU jurisdiction), so a lookup rides in the
 * admission call the request already makes (docs/cache.md).
 *
 * The object only ever holds ciphertext: the router seals an answer with the
 * account's data key (crypto.ts) before it sends it here. The store keeps the
 * 24-hour promise on its own: it refuses an entry that would live longer,
 * never returns one past its expiry (by the object's clock), and the alarm
 * deletes expired rows within CACHE_SWEEP_DELAY_MS of their expiry.
 */
import { CACHE_TTL_MS } from "../shared/retention";

/** The object's table, by column: the privacy data map (GET /v1/privacy) lists these. */
export const CACHE_COLUMNS = ["key_hash", "created_at", "expires_at", "size", "ciphertext", "iv"] as const;

/** Largest entry kept (ciphertext bytes); a larger answer is not cached. */
export const CACHE_MAX_ENTRY_BYTES = 1024 * 1024;
/** Most ciphertext bytes one account holds; a store beyond it evicts the entries closest to expiry first. */
export const CACHE_MAX_TOTAL_BYTES = 50 * 1024 * 1024;
/** The alarm runs this long after the earliest expiry, so entries expiring close together go in one sweep. */
export const CACHE_SWEEP_DELAY_MS = 60_000;
/**
 * How long the last purge is remembered (CacheOrigin): longer than any
 * request runs (a lease is reclaimed after 15 minutes), so no answer begun
 * before a purge can be stored after it; then the alarm forgets it, and an
 * erased account's object ends with no row.
 */
export const CACHE_PURGE_MEMORY_MS = 24 * 60 * 60_000;
/** How far ahead of the object's clock an entry's creation time may be (the router's clock on another machine). */
export const CACHE_CLOCK_SKEW_MS = 5_000;

/** One sealed answer as the object stores it (crypto.ts makes and opens it). */
export interface CacheEntry {
  /** SHA-256 hex of the canonical request (key.ts). */
  keyHash: string;
  /** When the answer was produced, ms (the router's clock; `age` is counted from it). */
  createdAt: number;
  /** When it stops being served, ms; at most CACHE_TTL_MS after createdAt. */
  expiresAt: number;
  ciphertext: ArrayBuffer;
  iv: ArrayBuffer;
}

/**
 * Where a stored answer came from, so that a withdrawal is final: an answer
 * to a request received before the last purge (in flight when it ran), or
 * one cached by a key's default under an auth view read before it (another
 * isolate that has not seen the default cleared), is refused.
 */
export interface CacheOrigin {
  /** When the router received the request (its clock, ms). */
  requestedAt: number;
  /** When the router read the auth view that held the key's default (ms). */
  viewAsOf: number;
  /** Cached by the key's default TTL, not by the request's own header. */
  viaKeyDefault: boolean;
}

type Row = { key_hash: string; created_at: number; expires_at: number; size: number; ciphertext: ArrayBuffer; iv: ArrayBuffer };

export class ResponseCacheStore {
  /**
   * The earliest expiry, mirrored from the table (undefined: not read since
   * the last write). The limiter asks for the next sweep on every admission
   * and release; entries are written far less often than that.
   */
  private earliestExpiry: number | null | undefined;
  /** The last purge's time as stored (null: none; undefined: not read yet). */
  private purgedAt: number | null | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`create table if not exists cache_entries (key_hash text primary key, created_at integer not null,
      expires_at integer not null, size integer not null, ciphertext blob not null, iv blob not null)`);
    sql.exec("create index if not exists cache_entries_expires_at on cache_entries (expires_at)");
    sql.exec("create table if not exists cache_purges (id integer primary key check (id = 1), purged_at integer not null)");
  }

  /** The live entry for a key, or null (none, or expired by `now` even if the alarm has not deleted it yet). */
  get(keyHash: string, now: number): CacheEntry | null {
    const row = this.sql.exec<Row>("select * from cache_entries where key_hash = ? and expires_at > ?", keyHash, now).toArray()[0];
    return row ? { keyHash: row.key_hash, createdAt: row.created_at, expiresAt: row.expires_at, ciphertext: row.ciphertext, iv: row.iv } : null;
  }

  /**
   * Stores an entry (replacing one under the same key) and evicts what the
   * account's byte bound needs. False, storing nothing: larger than
   * CACHE_MAX_ENTRY_BYTES, already expired, living longer than CACHE_TTL_MS,
   * or created in the future; or, given its origin, withdrawn by a purge
   * (CacheOrigin; the router's clock may trail the object's by up to
   * CACHE_CLOCK_SKEW_MS, so a request that close to the purge is refused too).
   */
  put(entry: CacheEntry, now: number, origin?: CacheOrigin): boolean {
    const size = entry.ciphertext.byteLength;
    const lifetime = entry.expiresAt - entry.createdAt;
    if (size > CACHE_MAX_ENTRY_BYTES || entry.expiresAt <= now || lifetime <= 0 || lifetime > CACHE_TTL_MS) return false;
    if (entry.createdAt > now + CACHE_CLOCK_SKEW_MS) return false;
    if (origin && this.withdrawn(origin)) return false;
    this.sql.exec(
      "insert or replace into cache_entries (key_hash, created_at, expires_at, size, ciphertext, iv) values (?, ?, ?, ?, ?, ?)",
      entry.keyHash, entry.createdAt, entry.expiresAt, size, entry.ciphertext, entry.iv,
    );
    this.earliestExpiry = undefined;
    this.evict(now, entry.keyHash);
    return true;
  }

  /** Deletes every entry past its expiry; answers how many. */
  deleteExpired(now: number): number {
    this.earliestExpiry = undefined;
    const purgedAt = this.lastPurge();
    if (purgedAt !== null && purgedAt + CACHE_PURGE_MEMORY_MS <= now) {
      this.sql.exec("delete from cache_purges");
      this.purgedAt = null;
    }
    return this.remove("expires_at <= ?", now);
  }

  /**
   * Deletes every entry at once (opt-in withdrawn, or the account erased),
   * and remembers when, so that answers still in flight are not stored after it.
   */
  purge(now: number): void {
    this.remove("1");
    this.earliestExpiry = null;
    this.sql.exec("insert or replace into cache_purges (id, purged_at) values (1, ?)", now);
    this.purgedAt = now;
  }

  private lastPurge(): number | null {
    // Not `??=`: null (no purge) is an answer too, and is asked on every admission and release.
    if (this.purgedAt === undefined) this.purgedAt = this.sql.exec<{ purged_at: number }>("select purged_at from cache_purges").toArray()[0]?.purged_at ?? null;
    return this.purgedAt;
  }

  private withdrawn(origin: CacheOrigin): boolean {
    const purgedAt = this.lastPurge();
    if (purgedAt === null) return false;
    const guard = purgedAt + CACHE_CLOCK_SKEW_MS;
    return origin.requestedAt <= guard || (origin.viaKeyDefault && origin.viewAsOf <= guard);
  }

  /** When the alarm should next sweep: shortly after the earliest expiry, or when the last purge is forgotten; null: nothing to do. */
  nextSweep(): number | null {
    if (this.earliestExpiry === undefined) {
      this.earliestExpiry = this.sql.exec<{ at: number | null }>("select min(expires_at) as at from cache_entries").one().at;
    }
    const expiry = this.earliestExpiry === null ? Infinity : this.earliestExpiry + CACHE_SWEEP_DELAY_MS;
    const purgedAt = this.lastPurge();
    const next = Math.min(expiry, purgedAt === null ? Infinity : purgedAt + CACHE_PURGE_MEMORY_MS);
    return next === Infinity ? null : next;
  }

  /**
   * Brings the bytes held within CACHE_MAX_TOTAL_BYTES: expired entries go
   * first, then those closest to expiry (they have the least left to give);
   * the entry just stored (`keep`) stays.
   */
  private evict(now: number, keep: string): void {
    let total = this.totalBytes();
    if (total <= CACHE_MAX_TOTAL_BYTES) return;
    this.deleteExpired(now);
    total = this.totalBytes();
    if (total <= CACHE_MAX_TOTAL_BYTES) return;
    let cutoff: { expires_at: number; key_hash: string } | null = null;
    for (const r of this.sql.exec<{ key_hash: string; expires_at: number; size: number }>(
      "select key_hash, expires_at, size from cache_entries where key_hash != ? order by expires_at, key_hash", keep,
    )) {
      cutoff = r;
      total -= r.size;
      if (total <= CACHE_MAX_TOTAL_BYTES) break;
    }
    if (cutoff) {
      this.earliestExpiry = undefined;
      this.remove("key_hash != ? and (expires_at < ? or (expires_at = ? and key_hash <= ?))", keep, cutoff.expires_at, cutoff.expires_at, cutoff.key_hash);
    }
  }

  /**
   * Deletes the rows `where` selects, overwriting their ciphertext with zeros
   * first: SQLite rewrites a same-size value in place, so the deleted bytes
   * left in the page are zeros rather than the sealed answer (Durable Objects
   * allow no `secure_delete`). A best effort below the SQL level; what makes
   * any copy useless is the key (withdrawal replaces the salt, erasure deletes it).
   */
  private remove(where: string, ...params: (string | number)[]): number {
    this.sql.exec(`update cache_entries set ciphertext = zeroblob(size), iv = zeroblob(12) where ${where}`, ...params);
    return this.sql.exec(`delete from cache_entries where ${where}`, ...params).rowsWritten;
  }

  private totalBytes(): number {
    return this.sql.exec<{ total: number }>("select coalesce(sum(size), 0) as total from cache_entries").one().total;
  }
}
