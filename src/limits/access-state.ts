/**
 * The access changes an account's limiter was told (src/limits/controls.ts),
 * stored in the object's SQLite storage and mirrored in memory, so that every
 * admission can refuse a key or account that a router isolate still holds in
 * its auth cache, and correct the isolate's stale view of the account.
 *
 * D1 stays the truth; a record here only bridges the time during which an
 * isolate may still trust a view read before the change (AUTH_CACHE_TTL_MS).
 * So each record is kept for ACCESS_RECORD_TTL_MS after it was recorded (a
 * key stop: after it takes effect) and then deleted by the alarm; after that
 * every isolate's view was read after the change and holds it.
 */
import { ACCOUNT_STATUSES, TIERS, type AccountStatus, type Tier } from "../db/schema";
import { AUTH_CACHE_TTL_MS } from "../shared/auth-view";
import type { AccessChange } from "./controls";

/**
 * A change recorded less than this before a caller's view was read may be
 * missing from that view: restricting changes are pushed just before their D1
 * write, and the isolate's and the object's clocks may differ slightly.
 */
export const VIEW_MARGIN_MS = 5_000;
/** How long a record is kept: longer than any view that predates it can live. */
export const ACCESS_RECORD_TTL_MS = AUTH_CACHE_TTL_MS + 2 * VIEW_MARGIN_MS;

/** What the caller (a router isolate) believes, and since when. */
export interface AccessView {
  /** When the caller read the key and account from D1 (ms, its clock). */
  asOf: number;
  /** The account status in that view (whose limits the caller sent). */
  status: AccountStatus;
  /** The tier in force in that view (whose limits the caller sent): free once `tierUntil` has passed. */
  tier: Tier;
  /** When that view's paid tier lapses (`accounts.tier_until`, ms); null: it does not. */
  tierUntil: number | null;
}

export type RefusalCode = "revoked_api_key" | "account_closed" | "account_suspended" | "account_terminated";

export interface AccessRefusal {
  code: RefusalCode;
  /** The operator's reason, for a suspension or termination. */
  reason: string | null;
}

/** Recorded changes that may be newer than the caller's view; absent: nothing newer known. */
export interface AccessOverrides {
  status?: AccountStatus;
  statusReason?: string | null;
  nonEuConsent?: boolean;
  restricted?: boolean;
  tier?: Tier;
}

type Fact = "status" | "closed" | "non_eu_consent" | "restricted" | "tier";
interface Recorded<T> {
  value: T;
  at: number;
}
interface StopRow extends Record<string, SqlStorageValue> {
  key_id: string;
  stop_at: number;
  recorded_at: number;
}
interface FactRow extends Record<string, SqlStorageValue> {
  fact: string;
  value: string;
  reason: string | null;
  recorded_at: number;
}

/** The object's tables for access changes, by column: the privacy data map (GET /v1/privacy) lists these. */
export const ACCESS_TABLES = {
  access_stops: ["key_id", "stop_at", "recorded_at"],
  access_facts: ["fact", "value", "reason", "recorded_at"],
} as const;

const isStatus = (s: string): s is AccountStatus => (ACCOUNT_STATUSES as readonly string[]).includes(s);
const isTier = (s: string): s is Tier => (TIERS as readonly string[]).includes(s);

export class AccessState {
  private status: Recorded<{ status: AccountStatus; reason: string | null }> | null = null;
  private closed: Recorded<true> | null = null;
  private nonEuConsent: Recorded<boolean> | null = null;
  private restricted: Recorded<boolean> | null = null;
  private tier: Recorded<Tier> | null = null;
  /** Keys that stop working at `at`; `recordedAt` is when the object was told. */
  private readonly stops = new Map<string, { at: number; recordedAt: number }>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec("create table if not exists access_stops (key_id text primary key, stop_at integer not null, recorded_at integer not null)");
    sql.exec("create table if not exists access_facts (fact text primary key, value text not null, reason text, recorded_at integer not null)");
    for (const r of sql.exec<StopRow>("select * from access_stops")) this.stops.set(r.key_id, { at: r.stop_at, recordedAt: r.recorded_at });
    for (const r of sql.exec<FactRow>("select * from access_facts")) {
      if (r.fact === "status" && isStatus(r.value)) this.status = { value: { status: r.value, reason: r.reason }, at: r.recorded_at };
      else if (r.fact === "closed") this.closed = { value: true, at: r.recorded_at };
      else if (r.fact === "non_eu_consent") this.nonEuConsent = { value: r.value === "1", at: r.recorded_at };
      else if (r.fact === "restricted") this.restricted = { value: r.value === "1", at: r.recorded_at };
      else if (r.fact === "tier" && isTier(r.value)) this.tier = { value: r.value, at: r.recorded_at };
    }
  }

  record(change: AccessChange, now: number): void {
    for (const { keyId, at } of change.keyStops ?? []) {
      // A stop already reached is final (a revoked key never comes back); a
      // future one (an expiry, a rotation's grace period) moves to the newest
      // time told, as the key's expiry in D1 does. "Reached" allows for
      // VIEW_MARGIN_MS of clock difference: a revocation is stamped by the
      // router's clock, which may run ahead of this object's, and a late
      // rotation push must not move it out (erring towards refusing: a stop
      // due within the margin can no longer be extended).
      const known = this.stops.get(keyId);
      const stopAt = known && known.at <= now + VIEW_MARGIN_MS ? known.at : at;
      this.stops.set(keyId, { at: stopAt, recordedAt: now });
      this.sql.exec("insert or replace into access_stops (key_id, stop_at, recorded_at) values (?, ?, ?)", keyId, stopAt, now);
    }
    if (change.status !== undefined) {
      this.status = { value: { status: change.status, reason: change.statusReason ?? null }, at: now };
      this.writeFact("status", change.status, change.statusReason ?? null, now);
    }
    if (change.closed === true) {
      this.closed = { value: true, at: now };
      this.writeFact("closed", "1", null, now);
    }
    if (change.nonEuConsent !== undefined) {
      this.nonEuConsent = { value: change.nonEuConsent, at: now };
      this.writeFact("non_eu_consent", change.nonEuConsent ? "1" : "0", null, now);
    }
    if (change.restricted !== undefined) {
      this.restricted = { value: change.restricted, at: now };
      this.writeFact("restricted", change.restricted ? "1" : "0", null, now);
    }
    if (change.tier !== undefined) {
      this.tier = { value: change.tier, at: now };
      this.writeFact("tier", change.tier, null, now);
    }
  }

  /**
   * Why this key may not be admitted, or null. Closure, termination and a key
   * stop are final, whatever the caller's view; a suspension (reversible)
   * refuses only a view that may predate it, so a lift whose push failed is
   * still honoured by an isolate that read the lift from D1.
   */
  refusal(keyId: string, view: AccessView, now: number): AccessRefusal | null {
    const status = this.status?.value;
    // As the router's own check: a termination (which revokes every key) is named as such.
    if (status?.status === "terminated") return { code: "account_terminated", reason: status.reason };
    const stop = this.stops.get(keyId);
    if (stop && stop.at <= now) return { code: "revoked_api_key", reason: null };
    if (this.closed) return { code: "account_closed", reason: null };
    if (status?.status === "suspended" && this.newerThan(this.status!, view)) return { code: "account_suspended", reason: status.reason };
    return null;
  }

  /** The recorded facts that may be newer than the caller's view; null when there are none. */
  overrides(view: AccessView, now: number): AccessOverrides | null {
    const out: AccessOverrides = {};
    if (this.status && this.newerThan(this.status, view)) {
      out.status = this.status.value.status;
      out.statusReason = this.status.value.reason;
    }
    if (this.nonEuConsent && this.newerThan(this.nonEuConsent, view)) out.nonEuConsent = this.nonEuConsent.value;
    if (this.restricted && this.newerThan(this.restricted, view)) out.restricted = this.restricted.value;
    // Either way: an upgrade is as much the customer's due as a downgrade is the operator's.
    if (this.tier && this.newerThan(this.tier, view) && this.tier.value !== view.tier && !this.lapsedSince(this.tier, view, now)) out.tier = this.tier.value;
    return Object.keys(out).length > 0 ? out : null;
  }

  /** Forgets everything (erasure) but a closure tombstone, which the alarm deletes after ACCESS_RECORD_TTL_MS. */
  eraseToTombstone(now: number): void {
    this.sql.exec("delete from access_stops");
    this.sql.exec("delete from access_facts");
    this.stops.clear();
    this.status = this.nonEuConsent = this.restricted = this.tier = null;
    this.record({ closed: true }, now);
  }

  /** Deletes the records no view can be older than any more. */
  prune(now: number): void {
    const expired = (at: number) => at + ACCESS_RECORD_TTL_MS <= now;
    for (const [keyId, stop] of this.stops) {
      if (!expired(Math.max(stop.at, stop.recordedAt))) continue;
      this.stops.delete(keyId);
      this.sql.exec("delete from access_stops where key_id = ?", keyId);
    }
    const facts: [Fact, Recorded<unknown> | null, () => void][] = [
      ["status", this.status, () => (this.status = null)],
      ["closed", this.closed, () => (this.closed = null)],
      ["non_eu_consent", this.nonEuConsent, () => (this.nonEuConsent = null)],
      ["restricted", this.restricted, () => (this.restricted = null)],
      ["tier", this.tier, () => (this.tier = null)],
    ];
    for (const [fact, recorded, forget] of facts) {
      if (!recorded || !expired(recorded.at)) continue;
      forget();
      this.sql.exec("delete from access_facts where fact = ?", fact);
    }
  }

  /** When the next record expires (for the alarm), or null. */
  nextExpiry(): number | null {
    const times = [...this.stops.values()].map((s) => Math.max(s.at, s.recordedAt));
    for (const r of [this.status, this.closed, this.nonEuConsent, this.restricted, this.tier]) if (r) times.push(r.at);
    return times.length > 0 ? Math.min(...times) + ACCESS_RECORD_TTL_MS : null;
  }

  /**
   * The view's tier lapsed (its `tier_until` has come) after this tier was
   * told: the lapse is the newer fact, so the tier is free from that instant,
   * not once the told tier expires here. A tier told after the lapse (a new
   * subscription, the operator's change) is newer and still applies.
   */
  private lapsedSince(recorded: Recorded<Tier>, view: AccessView, now: number): boolean {
    return view.tierUntil !== null && view.tierUntil <= now && recorded.at <= view.tierUntil;
  }

  private newerThan(recorded: Recorded<unknown>, view: AccessView): boolean {
    return recorded.at + VIEW_MARGIN_MS > view.asOf;
  }

  private writeFact(fact: Fact, value: string, reason: string | null, now: number): void {
    this.sql.exec("insert or replace into access_facts (fact, value, reason, recorded_at) values (?, ?, ?, ?)", fact, value, reason, now);
  }
}
