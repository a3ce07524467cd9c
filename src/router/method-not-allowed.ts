/**
 * Tells "no such path" (404) from "this path exists, but not for this method"
 * (405 with Allow), from the app's own route table, so every route answers
 * correctly, including ones added later. OPTIONS is never routed, so a CORS
 * preflight gets a 405 too: the router sends no CORS headers (see docs/api.md,
 * "Browsers and CORS").
 *
 * Authentication mounted for a whole path (`.use(auth)`) runs for every method,
 * so it asks `hasHandler` first and leaves a request no handler takes to
 * notFound: the method is judged before the credentials, and a preflight, which
 * never carries any, gets its 405 rather than a 401.
 */
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import { PatternRouter } from "hono/router/pattern-router";
import { ApiError, errors } from "../shared/errors";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

interface RouteLike {
  method: string;
  path: string;
}

let cached: { routes: readonly RouteLike[]; size: number; router: PatternRouter<true> } | undefined;

/** A router of the handlers only: middleware is mounted for every method ("ALL") and matches any path. */
function handlerRouter(routes: readonly RouteLike[]): PatternRouter<true> {
  if (cached?.routes === routes && cached.size === routes.length) return cached.router;
  const router = new PatternRouter<true>();
  for (const route of routes) if (route.method !== "ALL") router.add(route.method, route.path, true);
  cached = { routes, size: routes.length, router };
  return router;
}

/** The methods that have a handler for this path; empty when the path is unknown. */
export function allowedMethods(routes: readonly RouteLike[], path: string): string[] {
  const router = handlerRouter(routes);
  const allowed: string[] = METHODS.filter((method) => router.match(method, path)[0].length > 0);
  // Hono answers HEAD with the GET handler, body dropped.
  if (allowed.includes("GET")) allowed.splice(1, 0, "HEAD");
  return allowed;
}

/** The error for a request no handler took: 405 with Allow when the path exists, else 404. */
export function unroutedError(routes: readonly RouteLike[], method: string, path: string): ApiError {
  const allowed = allowedMethods(routes, path);
  if (allowed.length === 0) return errors.notFound(`No route for ${method} ${path}.`, "route_not_found");
  return new ApiError(405, "invalid_request_error", "method_not_allowed", `${method} is not allowed on ${path}; use ${allowed.join(", ")}.`, null, {
    allow: allowed.join(", "),
  });
}

/**
 * Whether a handler, not only middleware (method "ALL"), matched this request.
 * It reads the match Hono already made for the request (a handful of entries),
 * so it costs no route-table match; HEAD is dispatched as GET, so it counts.
 */
export function hasHandler(c: Context): boolean {
  return matchedRoutes(c).some((route) => route.method !== "ALL");
}
