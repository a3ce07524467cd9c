/**
 * GET /v1/privacy: the machine-readable privacy data map (src/router/privacy-map.ts,
 * docs/privacy-map.md). Public: no key, no personal data, the same for everyone
 * on a deployment, so shared caches may keep it.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { privacyMap } from "../privacy-map";

/** An hour: the map changes only with a deploy or an operator's PROVIDER_RETENTION. */
export const PRIVACY_MAP_MAX_AGE_S = 3600;

// An env does not change while its isolate lives: serialise the map once per env.
const bodies = new WeakMap<object, string>();

export const privacyRoutes = new Hono<AppEnv>().get("/", (c) => {
  let body = bodies.get(c.env);
  if (body === undefined) bodies.set(c.env, (body = JSON.stringify(privacyMap(c.env))));
  return c.body(body, 200, { "content-type": "application/json", "cache-control": `public, max-age=${PRIVACY_MAP_MAX_AGE_S}` });
});
