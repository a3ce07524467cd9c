/**
 * The circuit breaker's rules and the messages isolates and the RouteHealth
 * Durable Object exchange. Shared by both sides so they count alike; the
 * design and its staleness bound are in docs/routing-health.md.
 */
import { z } from "zod";

export interface BreakerConfig {
  /** Consecutive failures (no success between them) that open a closed breaker. */
  failureThreshold: number;
  /** A failure more than this after the previous one starts a new streak. */
  failureWindowMs: number;
  /** First cooldown of an open breaker. */
  baseCooldownMs: number;
  /** A failed probe doubles the cooldown, up to this. */
  maxCooldownMs: number;
  /**
   * How long a granted probe keeps others out. A probe whose outcome never
   * arrives (its request was cut off) frees the route after this; it should be
   * at least a route's first-byte timeout, or a slow probe lets a second through.
   */
  probeLeaseMs: number;
}

export const BREAKER_DEFAULTS: BreakerConfig = {
  failureThreshold: 5,
  failureWindowMs: 60_000,
  baseCooldownMs: 30_000,
  maxCooldownMs: 300_000,
  probeLeaseMs: 30_000,
};

/** Weight of one new time-to-first-byte sample in the latency average. */
export const LATENCY_ALPHA = 0.2;
/** A route's latency older than this is unknown again (it may have changed while unused). */
export const LATENCY_MAX_AGE_MS = 10 * 60_000;
/**
 * Routes tracked, per isolate and in the object. Keys come from the catalogue
 * (a few hundred at most), never from clients; the cap only bounds memory if
 * that ever changes.
 */
export const MAX_ROUTES = 1_000;

/** The cooldown after a failed probe. */
export function nextCooldown(current: number, config: BreakerConfig): number {
  return Math.min(config.maxCooldownMs, Math.max(current, config.baseCooldownMs) * 2);
}

/**
 * Folds `count` samples whose mean is `mean` into an exponentially weighted
 * average, as if they had come one by one (exact when they are equal).
 */
export function ewma(previous: number | null, mean: number, count: number): number {
  if (previous === null) return mean;
  const keep = (1 - LATENCY_ALPHA) ** count;
  return previous * keep + mean * (1 - keep);
}

/** Printable ASCII without spaces: `${endpoint}:${upstreamModel}`. */
export const routeKeySchema = z.string().regex(/^[\x21-\x7e]{1,200}$/);

/** What one isolate saw of one route since its last sync. */
export const routeReportSchema = z.strictObject({
  key: routeKeySchema,
  /** Attempts that succeeded. */
  ok: z.number().int().nonnegative().max(1e9),
  /** Failures after the last success of the batch (all of them when there was none). */
  trailingFailures: z.number().int().nonnegative().max(1e9),
  /**
   * The outcome of a probe this isolate was granted, if one ended; "released":
   * its client left first, so the probe proved nothing and its lease is freed.
   */
  probe: z.enum(["ok", "failed", "released"]).nullable(),
  /** Mean time to first byte of the successful attempts, and how many there were. */
  latencyMs: z.number().nonnegative().max(1e7).nullable(),
  latencyCount: z.number().int().nonnegative().max(1e9),
});
export type RouteReport = z.infer<typeof routeReportSchema>;

export const reportsSchema = z.array(routeReportSchema).max(MAX_ROUTES);

/**
 * A route as the object sees it, in durations rather than instants so that
 * no two machines' clocks are compared. Closed routes without a latency are
 * left out of a snapshot.
 */
export interface SharedRoute {
  /**
   * null: closed. Otherwise skip the route for this long; 0: half-open, a
   * probe may be claimed. A half-open route whose probe is out is reported
   * open until the probe's lease ends.
   */
  openForMs: number | null;
  /** The current cooldown (what a failed probe doubles). */
  cooldownMs: number;
  latencyMs: number | null;
}

export type HealthSnapshot = Record<string, SharedRoute>;

export interface ProbeClaim {
  granted: boolean;
  /** The route's shared state after the claim, for the isolate's view. */
  route: SharedRoute;
}

/** Adds a newer report of the same route to an older one (a failed sync puts its reports back). */
export function mergeReports(older: RouteReport, newer: RouteReport): RouteReport {
  const latencyCount = older.latencyCount + newer.latencyCount;
  const latencySum = (older.latencyMs ?? 0) * older.latencyCount + (newer.latencyMs ?? 0) * newer.latencyCount;
  return {
    key: newer.key,
    ok: older.ok + newer.ok,
    trailingFailures: newer.ok > 0 ? newer.trailingFailures : older.trailingFailures + newer.trailingFailures,
    // A released probe never hides an outcome the same batch already holds.
    probe: newer.probe === "released" ? (older.probe ?? newer.probe) : (newer.probe ?? older.probe),
    latencyMs: latencyCount > 0 ? latencySum / latencyCount : null,
    latencyCount,
  };
}

export function emptyReport(key: string): RouteReport {
  return { key, ok: 0, trailingFailures: 0, probe: null, latencyMs: null, latencyCount: 0 };
}
