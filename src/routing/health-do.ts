/**
 * RouteHealth: the authoritative circuit breaker of every route, one object
 * ("global", id made in the configured jurisdiction) for all isolates.
 * Isolates send it what they saw in batches after their responses (`sync`)
 * and read back a snapshot; the only call made before a response is
 * `claimProbe`, for a route whose cooldown has ended.
 *
 * Persistence: only breaker transitions (a route opening, reopening or
 * closing) are written to SQLite, one row per route that is not closed, so a
 * restart keeps routes that are known to be down out of traffic. Failure
 * streaks, probe leases and latencies live in memory only: they change on
 * every sync, writing them would cost a row write per route per sync, and
 * losing them costs at most a few failed attempts or seconds of re-learning.
 *
 * Every method is synchronous (SQLite calls are), so no two calls interleave
 * and at most one probe per route is out at a time.
 */
import { DurableObject } from "cloudflare:workers";
import {
  BREAKER_DEFAULTS,
  LATENCY_MAX_AGE_MS,
  MAX_ROUTES,
  ewma,
  nextCooldown,
  reportsSchema,
  routeKeySchema,
  type BreakerConfig,
  type HealthSnapshot,
  type ProbeClaim,
  type RouteReport,
  type SharedRoute,
} from "./health-policy";

/** How often routes with nothing to remember are dropped from memory. */
const PRUNE_INTERVAL_MS = 60_000;

interface Route {
  streak: number;
  lastFailureAt: number;
  /** null: closed. Once past, the breaker is half-open. */
  openUntil: number | null;
  cooldownMs: number;
  /** A probe is out until then (0: none). */
  probeUntil: number;
  latencyMs: number | null;
  latencyAt: number;
}

type Row = { key: string; open_until: number; cooldown_ms: number };

export class RouteHealth extends DurableObject<Env> {
  private readonly routes = new Map<string, Route>();
  private prunedAt = 0;
  /** The clock; tests replace it to move through cooldowns. */
  clock: () => number = () => Date.now();
  private readonly config: BreakerConfig = BREAKER_DEFAULTS;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec("create table if not exists open_routes (key text primary key, open_until integer not null, cooldown_ms integer not null)");
    for (const r of sql.exec<Row>("select key, open_until, cooldown_ms from open_routes limit ?", MAX_ROUTES)) {
      this.routes.set(r.key, { ...fresh(), openUntil: r.open_until, cooldownMs: r.cooldown_ms });
    }
  }

  /**
   * Applies one isolate's reports, then answers with every route worth
   * knowing about. Invalid reports are dropped whole (they come from our own
   * isolates; a malformed one is a bug, not a reason to fail the others).
   */
  sync(reports: unknown): HealthSnapshot {
    const now = this.clock();
    const parsed = reportsSchema.safeParse(reports);
    if (parsed.success) for (const report of parsed.data) this.apply(report, now);
    else console.error("route health: malformed reports dropped", parsed.error.issues.length);
    this.prune(now);
    const snapshot: HealthSnapshot = {};
    for (const [key, route] of this.routes) {
      const view = this.view(route, now);
      if (view.openForMs !== null || view.latencyMs !== null) snapshot[key] = view;
    }
    return snapshot;
  }

  /**
   * Lets one request through to a half-open route. A closed route needs no
   * probe (granted, no lease); an open one, or one whose probe is out, is
   * refused.
   */
  claimProbe(key: unknown): ProbeClaim {
    const now = this.clock();
    const parsed = routeKeySchema.safeParse(key);
    const route = parsed.success ? this.routes.get(parsed.data) : undefined;
    if (!parsed.success || !route) return { granted: parsed.success, route: { openForMs: null, cooldownMs: this.config.baseCooldownMs, latencyMs: null } };
    if (route.openUntil === null) return { granted: true, route: this.view(route, now) };
    const granted = route.openUntil <= now && route.probeUntil <= now;
    if (granted) route.probeUntil = now + this.config.probeLeaseMs;
    return { granted, route: this.view(route, now) };
  }

  private apply(report: RouteReport, now: number): void {
    const route = this.route(report.key);
    if (!route) return;
    if (report.latencyMs !== null && report.latencyCount > 0) {
      route.latencyMs = ewma(this.latency(route, now), report.latencyMs, report.latencyCount);
      route.latencyAt = now;
    }
    if (report.probe === "ok") return this.close(report.key, route);
    // The probe's client left: half-open again, the next claim is granted. (Had
    // the lease already ended and another probe been granted, two are out at
    // once; that costs one extra request, never a wrong state.)
    if (report.probe === "released") route.probeUntil = 0;
    if (route.openUntil !== null) {
      // Open or half-open: only a probe's failure moves it (other outcomes are
      // from attempts that started before it opened, or saw a stale snapshot).
      if (report.probe === "failed") this.open(report.key, route, now, nextCooldown(route.cooldownMs, this.config));
      return;
    }
    const failures = report.trailingFailures + (report.probe === "failed" ? 1 : 0);
    if (report.ok > 0) route.streak = 0;
    else if (now - route.lastFailureAt > this.config.failureWindowMs) route.streak = 0;
    route.streak += failures;
    if (failures > 0) route.lastFailureAt = now;
    if (route.streak >= this.config.failureThreshold) this.open(report.key, route, now, this.config.baseCooldownMs);
  }

  private open(key: string, route: Route, now: number, cooldownMs: number): void {
    route.openUntil = now + cooldownMs;
    route.cooldownMs = cooldownMs;
    route.probeUntil = 0;
    route.streak = 0;
    this.ctx.storage.sql.exec(
      "insert into open_routes (key, open_until, cooldown_ms) values (?, ?, ?) on conflict (key) do update set open_until = excluded.open_until, cooldown_ms = excluded.cooldown_ms",
      key, route.openUntil, cooldownMs,
    );
  }

  private close(key: string, route: Route): void {
    const wasOpen = route.openUntil !== null;
    Object.assign(route, { openUntil: null, cooldownMs: this.config.baseCooldownMs, probeUntil: 0, streak: 0 });
    if (wasOpen) this.ctx.storage.sql.exec("delete from open_routes where key = ?", key);
  }

  private view(route: Route, now: number): SharedRoute {
    let openForMs: number | null = null;
    if (route.openUntil !== null) openForMs = Math.max(0, route.openUntil - now, route.probeUntil - now);
    return { openForMs, cooldownMs: route.cooldownMs, latencyMs: this.latency(route, now) };
  }

  private latency(route: Route, now: number): number | null {
    return route.latencyMs !== null && now - route.latencyAt <= LATENCY_MAX_AGE_MS ? route.latencyMs : null;
  }

  /** The route's record, made if there is room (null when the cap is reached). */
  private route(key: string): Route | null {
    const existing = this.routes.get(key);
    if (existing) return existing;
    if (this.routes.size >= MAX_ROUTES) return null;
    const route = { ...fresh(), cooldownMs: this.config.baseCooldownMs };
    this.routes.set(key, route);
    return route;
  }

  /** Drops closed routes whose streak and latency have expired: they hold nothing a fresh record would not. */
  private prune(now: number): void {
    if (now - this.prunedAt < PRUNE_INTERVAL_MS) return;
    this.prunedAt = now;
    for (const [key, route] of this.routes) {
      const idle = route.openUntil === null && now - route.lastFailureAt > this.config.failureWindowMs && this.latency(route, now) === null;
      if (idle) this.routes.delete(key);
    }
  }
}

function fresh(): Route {
  return { streak: 0, lastFailureAt: 0, openUntil: null, cooldownMs: BREAKER_DEFAULTS.baseCooldownMs, probeUntil: 0, latencyMs: null, latencyAt: 0 };
}
