import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/router/app";
import { countingDb } from "./helpers/counting-db";
import { CapturingQueue } from "./helpers/log-capture";

/** A binding that fails the test if the route so much as looks at it. */
function untouchable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      throw new Error(`GET /health touched ${name}.${String(prop)}`);
    },
  });
}

/** Calls the app with every storage binding counted or booby-trapped. */
async function probe(init: RequestInit = {}) {
  const dbs = { DB: countingDb(env.DB), LOGS_DB: countingDb(env.LOGS_DB), BILLING_DB: countingDb(env.BILLING_DB) };
  const queue = new CapturingQueue();
  const ctx = createExecutionContext();
  const res = await app.request(
    "/health",
    init,
    { ...env, DB: dbs.DB.db, LOGS_DB: dbs.LOGS_DB.db, BILLING_DB: dbs.BILLING_DB.db, LOG_QUEUE: queue, LIMITER: untouchable("LIMITER") },
    ctx,
  );
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, body, queries: dbs.DB.count() + dbs.LOGS_DB.count() + dbs.BILLING_DB.count(), queue };
}

describe("GET /health", () => {
  it("answers 200 {status: ok} without a key, uncached, with a request id", async () => {
    const { res, body } = await probe();
    expect(res.status).toBe(200);
    expect(JSON.parse(body)).toEqual({ status: "ok" });
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("ignores a key, even a wrong one: it never authenticates", async () => {
    const { res } = await probe({ headers: { authorization: "Bearer emby_sk_not-a-real-key" } });
    expect(res.status).toBe(200);
  });

  it("touches no storage: no D1 statement, no Durable Object, no queue send (no log event)", async () => {
    const { res, queries, queue } = await probe();
    expect(res.status).toBe(200);
    expect(queries).toBe(0);
    expect(queue.attempts).toBe(0);
  });
});
