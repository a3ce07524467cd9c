/**
 * `GET /health` for load balancers and uptime checks: no key, and nothing
 * touched (no D1, Durable Object or queue), so a probe every few seconds costs
 * nothing and says only that this deployment runs and routes. It is mounted
 * before the request log, so probes leave no log event either.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";

const HEALTHY = JSON.stringify({ status: "ok" });

export const healthRoutes = new Hono<AppEnv>().get("/", (c) =>
  c.body(HEALTHY, 200, { "content-type": "application/json", "cache-control": "no-store" }),
);
