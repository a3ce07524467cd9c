/**
 * Route health as one isolate sees it (an instance per isolate, in
 * health.ts; tests make several to stand for several isolates): circuit
 * breaker state and latency per route key (`${endpoint}:${upstreamModel}`),
 * read synchronously on the request path.
 *
 * The view merges two sources. This isolate's own attempts act at once: its
 * own failure streak opens a breaker without waiting for anyone. The shared
 * snapshot, read from the RouteHealth Durable Object by `syncHealth` after a
 * response (never before), brings what the other isolates saw. A route is
 * open if either says so. The only Durable Object call a request may wait for
 * is `claimProbe`, made for a route whose cooldown has ended (half-open), at
 * most once per route per PROBE_RETRY_MS in an isolate. Design and staleness
 * bound: docs/routing-health.md.
 */
import type { RouteHealth } from "./health-do";
import {
  BREAKER_DEFAULTS,
  LATENCY_MAX_AGE_MS,
  MAX_ROUTES,
  emptyReport,
  ewma,
  mergeReports,
  nextCooldown,
  type BreakerConfig,
  type HealthSnapshot,
  type RouteReport,
  type SharedRoute,
} from "./health-policy";

export type RouteState = "closed" | "open" | "half_open";

export interface AttemptOutcome {
  ok: boolean;
  /**
   * Time to first byte (response headers) of the attempt; null when the route
   * answered with something whose time says nothing of its latency (the
   * client's own error, a rate limit): ok for the breaker, no latency sample.
   */
  latencyMs: number | null;
}

/** Failures and probe outcomes wait at most this long after the last sync for the next. */
export const FAILURE_SYNC_MS = 1_000;
/** Without failures, an isolate with traffic syncs this often (the staleness bound's main term). */
export const SYNC_INTERVAL_MS = 5_000;
/** A sync (or a probe claim) that has not answered by then is given up. */
export const SYNC_TIMEOUT_MS = 3_000;
export const CLAIM_TIMEOUT_MS = 1_000;
/** After a refused probe claim, the isolate does not ask again for this long. */
export const PROBE_RETRY_MS = SYNC_INTERVAL_MS;
/** Syncs one request's waitUntil may chain while failures keep arriving. */
const MAX_SYNC_ROUNDS = 3;
export const HEALTH_OBJECT_NAME = "global";

/** The RouteHealth object; its id is made in the configured jurisdiction ("eu" in production). */
export function healthStub(env: Env, name = HEALTH_OBJECT_NAME): DurableObjectStub<RouteHealth> {
  const jurisdiction = env.DURABLE_OBJECT_JURISDICTION;
  const namespace = jurisdiction === "none" ? env.ROUTE_HEALTH : env.ROUTE_HEALTH.jurisdiction(jurisdiction as DurableObjectJurisdiction);
  return namespace.get(namespace.idFromName(name));
}

export interface HealthOptions {
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Name of the RouteHealth object (tests use their own). */
  objectName?: string;
}

interface LocalRoute {
  streak: number;
  lastFailureAt: number;
  /** Opened by this isolate's own failures or probe; null: not. */
  openUntil: number | null;
  cooldownMs: number;
  /** This isolate holds the route's probe until then (0: not). */
  probeUntil: number;
  claiming: boolean;
  deniedUntil: number;
  /** Latency folded from the snapshot's and this isolate's samples since. */
  latencyMs: number | null;
  latencyAt: number;
}

interface SharedEntry {
  openUntil: number | null;
  cooldownMs: number;
  latencyMs: number | null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer ?? undefined));
}

export class RouteHealthView {
  private readonly config: BreakerConfig = BREAKER_DEFAULTS;
  private readonly clock: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly objectName: string;
  private readonly local = new Map<string, LocalRoute>();
  private shared = new Map<string, SharedEntry>();
  private snapshotAt = Number.NEGATIVE_INFINITY;
  private pending = new Map<string, RouteReport>();
  /** Failures or probe outcomes are waiting: the next sync comes within FAILURE_SYNC_MS. */
  private urgent = false;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  /** The sync in flight (or waiting to start); `until` frees the slot if its request was cut off. */
  private flight: { until: number } | null = null;

  constructor(options: HealthOptions = {}) {
    this.clock = options.clock ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.objectName = options.objectName ?? HEALTH_OBJECT_NAME;
  }

  state(key: string, now = this.clock()): RouteState {
    const local = this.local.get(key)?.openUntil ?? null;
    const shared = this.shared.get(key)?.openUntil ?? null;
    if (local === null && shared === null) return "closed";
    return Math.max(local ?? 0, shared ?? 0) > now ? "open" : "half_open";
  }

  /** Average time to first byte of successful attempts; null while unknown. */
  latencyMs(key: string, now = this.clock()): number | null {
    const local = this.local.get(key);
    if (local?.latencyMs != null && local.latencyAt >= this.snapshotAt && now - local.latencyAt <= LATENCY_MAX_AGE_MS) return local.latencyMs;
    if (now - this.snapshotAt > LATENCY_MAX_AGE_MS) return null;
    return this.shared.get(key)?.latencyMs ?? null;
  }

  /** Counts one attempt's outcome. Synchronous; reaches the other isolates with the next sync. */
  record(key: string, outcome: AttemptOutcome, now = this.clock()): void {
    const local = this.localRoute(key);
    if (!local) return;
    const report = this.pending.get(key) ?? emptyReport(key);
    this.pending.set(key, report);
    if (outcome.ok && outcome.latencyMs !== null) {
      local.latencyMs = ewma(this.latencyMs(key, now), outcome.latencyMs, 1);
      local.latencyAt = now;
      Object.assign(report, mergeReports(report, { ...emptyReport(key), latencyMs: outcome.latencyMs, latencyCount: 1 }));
    }
    if (local.probeUntil > now) {
      local.probeUntil = 0;
      report.probe = outcome.ok ? "ok" : "failed";
      this.urgent = true;
      if (outcome.ok) this.closeLocally(key, local);
      else this.openLocally(local, now, nextCooldown(Math.max(local.cooldownMs, this.shared.get(key)?.cooldownMs ?? 0), this.config));
      return;
    }
    if (outcome.ok) {
      report.ok++;
      report.trailingFailures = 0;
    } else {
      report.trailingFailures++;
      this.urgent = true;
    }
    // An open route's outcomes (attempts that began before it opened) do not move it; only a probe does.
    if (this.state(key, now) !== "closed") return;
    if (outcome.ok) local.streak = 0;
    else {
      if (now - local.lastFailureAt > this.config.failureWindowMs) local.streak = 0;
      local.streak++;
      local.lastFailureAt = now;
      if (local.streak >= this.config.failureThreshold) this.openLocally(local, now, this.config.baseCooldownMs);
    }
  }

  /**
   * The request holding this isolate's probe of the route left before it
   * ended: the probe proves nothing, so the lease is given back (locally now,
   * to the RouteHealth object with the next sync, within FAILURE_SYNC_MS)
   * instead of keeping the route out until the lease ends.
   */
  releaseProbe(key: string, now = this.clock()): void {
    const local = this.local.get(key);
    if (!local || local.probeUntil <= now) return;
    local.probeUntil = 0;
    // The object's answer to the claim reported the route open for the lease: half-open again here.
    const shared = this.shared.get(key);
    if (shared?.openUntil != null && shared.openUntil > now) shared.openUntil = now;
    const report = this.pending.get(key) ?? emptyReport(key);
    this.pending.set(key, report);
    report.probe ??= "released";
    this.urgent = true;
  }

  /**
   * For a half-open route: true when this request may try it. Asks the
   * RouteHealth object, which lets one probe through at a time; true without
   * asking when the route is closed. Refused (or open) routes are skipped. If
   * the object cannot be reached, this isolate probes on its own, one at a time.
   */
  async claimProbe(env: Env, key: string): Promise<boolean> {
    const now = this.clock();
    const state = this.state(key, now);
    if (state === "closed") return true;
    const local = this.localRoute(key);
    if (!local || state === "open" || local.claiming || local.probeUntil > now || local.deniedUntil > now) return false;
    local.claiming = true;
    try {
      const claim = await withTimeout(healthStub(env, this.objectName).claimProbe(key), CLAIM_TIMEOUT_MS);
      const at = this.clock();
      this.setShared(key, claim.route, at);
      if (claim.route.openForMs === null) {
        // Closed for everyone (another isolate's probe succeeded): an ordinary attempt.
        local.openUntil = null;
        return true;
      }
      if (claim.granted) local.probeUntil = at + this.config.probeLeaseMs;
      else local.deniedUntil = at + PROBE_RETRY_MS;
      return claim.granted;
    } catch (err) {
      console.error("route health: probe claim failed; probing from this isolate alone", err);
      local.probeUntil = this.clock() + this.config.probeLeaseMs;
      return true;
    } finally {
      local.claiming = false;
    }
  }

  /**
   * Starts a sync in `waitUntil` when one is due: FAILURE_SYNC_MS after the
   * last when failures or probe outcomes wait (it sleeps until then),
   * otherwise once SYNC_INTERVAL_MS has passed. One at a time per isolate.
   * Never throws and never delays the caller.
   */
  sync(env: Env, waitUntil: (promise: Promise<unknown>) => void): void {
    try {
      const now = this.clock();
      if (this.flight && this.flight.until > now) return;
      const delay = this.syncDelay(now);
      if (delay === null) return;
      const flight = { until: now + delay + SYNC_TIMEOUT_MS };
      this.flight = flight;
      waitUntil(this.runSync(env, flight, delay));
    } catch (err) {
      console.error("route health: sync not started", err);
    }
  }

  private syncDelay(now: number): number | null {
    if (this.urgent) return Math.max(0, this.lastSyncAt + FAILURE_SYNC_MS - now);
    return now - this.lastSyncAt >= SYNC_INTERVAL_MS ? 0 : null;
  }

  private async runSync(env: Env, flight: { until: number }, delay: number): Promise<void> {
    try {
      for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
        if (delay > 0) await this.sleep(delay);
        await this.syncOnce(env);
        // Failures recorded while this sync was out go in the next round, not with the next request.
        if (!this.urgent) break;
        const now = this.clock();
        delay = Math.max(0, this.lastSyncAt + FAILURE_SYNC_MS - now);
        flight.until = now + delay + SYNC_TIMEOUT_MS;
      }
    } catch (err) {
      console.error("route health: sync failed; reports kept for the next", err);
    } finally {
      if (this.flight === flight) this.flight = null;
    }
  }

  private async syncOnce(env: Env): Promise<void> {
    const reports = [...this.pending.values()];
    this.pending = new Map();
    this.urgent = false;
    this.lastSyncAt = this.clock();
    try {
      const snapshot = await withTimeout(healthStub(env, this.objectName).sync(reports), SYNC_TIMEOUT_MS);
      this.applySnapshot(snapshot, this.clock());
    } catch (err) {
      // Whether they arrived is unknown; counting a batch twice only opens a breaker a little early.
      for (const report of reports) {
        const newer = this.pending.get(report.key);
        this.pending.set(report.key, newer ? mergeReports(report, newer) : report);
        if (report.trailingFailures > 0 || report.probe !== null) this.urgent = true;
      }
      throw err;
    }
  }

  private applySnapshot(snapshot: HealthSnapshot, now: number): void {
    this.shared = new Map();
    for (const [key, route] of Object.entries(snapshot)) {
      if (this.shared.size >= MAX_ROUTES) break;
      this.setShared(key, route, now);
    }
    this.snapshotAt = now;
    // A probe success not yet sent: the snapshot cannot know it; keep the route closed here.
    for (const report of this.pending.values()) {
      const entry = this.shared.get(report.key);
      if (report.probe === "ok" && entry) entry.openUntil = null;
    }
  }

  private setShared(key: string, route: SharedRoute, now: number): void {
    const openUntil = route.openForMs === null ? null : now + route.openForMs;
    this.shared.set(key, { openUntil, cooldownMs: route.cooldownMs, latencyMs: route.latencyMs });
  }

  private openLocally(local: LocalRoute, now: number, cooldownMs: number): void {
    local.openUntil = now + cooldownMs;
    local.cooldownMs = cooldownMs;
    local.streak = 0;
  }

  private closeLocally(key: string, local: LocalRoute): void {
    local.openUntil = null;
    local.cooldownMs = this.config.baseCooldownMs;
    local.streak = 0;
    const shared = this.shared.get(key);
    if (shared) shared.openUntil = null;
  }

  private localRoute(key: string): LocalRoute | null {
    const existing = this.local.get(key);
    if (existing) return existing;
    if (this.local.size >= MAX_ROUTES) return null;
    const route: LocalRoute = {
      streak: 0, lastFailureAt: 0, openUntil: null, cooldownMs: this.config.baseCooldownMs,
      probeUntil: 0, claiming: false, deniedUntil: 0, latencyMs: null, latencyAt: 0,
    };
    this.local.set(key, route);
    return route;
  }
}
