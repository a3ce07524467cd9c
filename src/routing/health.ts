/**
 * This isolate's route health: the functions the attempt loop calls, over one
 * module-level RouteHealthView (health-view.ts). Before a route:
 * `routeState`, and `claimProbe` when it is half-open; after each attempt:
 * `recordAttempt` (or `releaseProbe` when the client left during a probe); after the request: `syncHealth`. Design and staleness
 * bound: docs/routing-health.md.
 */
import { RouteHealthView, type AttemptOutcome, type HealthOptions, type RouteState } from "./health-view";

export type { AttemptOutcome, RouteState } from "./health-view";

/** This isolate's view; tests replace it with resetRouteHealth. */
let view = new RouteHealthView();

export function routeState(key: string, now?: number): RouteState {
  return view.state(key, now);
}

export function routeLatencyMs(key: string, now?: number): number | null {
  return view.latencyMs(key, now);
}

export function recordAttempt(key: string, outcome: AttemptOutcome, now?: number): void {
  view.record(key, outcome, now);
}

/** The client left during this isolate's probe of the route: another request may probe it (see RouteHealthView.releaseProbe). */
export function releaseProbe(key: string): void {
  view.releaseProbe(key);
}

export function claimProbe(env: Env, key: string): Promise<boolean> {
  return view.claimProbe(env, key);
}

/**
 * Call after every inference request (also one that made no attempt because
 * every route was open: it still needs fresh state); the sync runs in
 * `waitUntil` when due.
 */
export function syncHealth(env: Env, waitUntil: (promise: Promise<unknown>) => void): void {
  view.sync(env, waitUntil);
}

/** Tests only: a fresh view, optionally with a controlled clock. */
export function resetRouteHealth(options?: HealthOptions): RouteHealthView {
  view = new RouteHealthView(options);
  return view;
}
