import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "../src/router/app";
import { limiterFor } from "../src/limits/client";
import { newCustomer } from "./helpers/router";

/** A LIMITER namespace whose objects fail the way an unreachable or overloaded DO does. */
function brokenNamespace(failure: () => Promise<never>): DurableObjectNamespace {
  const stub = { admit: failure, release: failure };
  const ns = { idFromName: () => ({}), get: () => stub, jurisdiction: () => ns };
  return ns as unknown as DurableObjectNamespace;
}

async function chatWith(limiter: DurableObjectNamespace) {
  const { key } = await newCustomer();
  const ctx = createExecutionContext();
  const res = await app.request(
    "/v1/chat/completions",
    { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] }) },
    { ...env, LIMITER: limiter },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("when the limiter fails (policy: fail closed)", () => {
  it("answers 503 limiter_unavailable with Retry-After if the limiter throws", async () => {
    const overloaded = Object.assign(new Error("Durable Object is overloaded. Too many requests queued."), { overloaded: true });
    const res = await chatWith(brokenNamespace(() => Promise.reject(overloaded)));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("limiter_unavailable");
  });

  it("answers 503 if the limiter does not answer in time", async () => {
    const res = await chatWith(brokenNamespace(() => new Promise<never>(() => {})));
    expect(res.status).toBe(503);
  }, 10_000);

  it("makes ids in the configured jurisdiction", () => {
    const calls: string[] = [];
    const ns = { idFromName: () => ({}), get: () => ({}), jurisdiction: (j: string) => (calls.push(j), ns) };
    limiterFor({ ...env, DURABLE_OBJECT_JURISDICTION: "eu", LIMITER: ns } as unknown as Env, "acct_x");
    expect(calls).toEqual(["eu"]);
  });
});

describe("release coalescing", () => {
  it("carries a finished request's release on the account's next admission: N requests cost N+1 limiter calls", async () => {
    const { key, accountId } = await newCustomer();
    const calls: string[] = [];
    const counting = new Proxy(env.LIMITER, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "get") {
          return (id: DurableObjectId) => {
            const stub = target.get(id);
            return new Proxy(stub, {
              get(s, name) {
                const method = Reflect.get(s, name) as unknown;
                if (typeof method !== "function" || typeof name === "symbol") return method;
                return (...args: unknown[]) => (calls.push(name), Reflect.apply(method as (...a: unknown[]) => unknown, s, args));
              },
            });
          };
        }
        return typeof value === "function" ? (...args: unknown[]) => Reflect.apply(value as (...a: unknown[]) => unknown, target, args) : value;
      },
    });
    const ctx = createExecutionContext();
    for (let i = 0; i < 5; i++) {
      const res = await app.request(
        "/v1/chat/completions",
        { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] }) },
        { ...env, LIMITER: counting },
        ctx,
      );
      expect(res.status).toBe(200);
      await res.text();
    }
    await waitOnExecutionContext(ctx);
    expect(calls.filter((c) => c === "admit")).toHaveLength(5);
    expect(calls.length).toBeLessThanOrEqual(6);
    const stub = env.LIMITER.get(env.LIMITER.idFromName(accountId));
    expect((await stub.snapshot()).leases).toBe(0);
  });
});
