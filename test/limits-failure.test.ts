import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { app } from "../src/router/app";
import { admit, limiterFor, release } from "../src/limits/client";
import { TIER_LIMITS } from "../src/limits/tiers";
import { limiterStub } from "./helpers/limiter";
import { newCustomer } from "./helpers/router";

/** A LIMITER namespace whose objects fail the way an unreachable or overloaded DO does. */
function brokenNamespace(failure: () => Promise<never>): DurableObjectNamespace {
  const stub = { admit: failure, releaseMany: failure };
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

describe("releases that settle money, when the limiter fails", () => {
  const noLimits = { rpm: null, tpm: null, concurrency: null };
  const charge = { priceNano: 4_321, providerCostNano: 4_000 };

  it("an admission that carried them and failed sends them itself, so the earlier request is still charged", async () => {
    const c = await newCustomer({ credits: 1 });
    const real = limiterStub(c.accountId);
    const pro = TIER_LIMITS.pro;
    await real.admit({ leaseId: "ended", keyId: c.keyId, accountId: c.accountId, account: pro, key: pro, tokens: 1, keyOwnLimits: noLimits, view: { asOf: Date.now(), status: "active", tier: "pro", tierUntil: null }, spend: { maxPriceNano: 9_000, keyBudget: null } });
    // Admission answers with an overload after 50 ms; releases reach the real object.
    const overloadedSoon = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error("overloaded")), 50));
    const ns = { idFromName: () => ({}), jurisdiction: () => ns, get: () => ({ admit: overloadedSoon, releaseMany: (r: Parameters<typeof real.releaseMany>[0]) => real.releaseMany(r) }) };
    const limiterEnv = { ...env, LIMITER: ns } as unknown as Env;
    // The ended request's release waits 10 ms for an admission to carry it; the next request's admission takes it.
    const released = release(limiterEnv, c.accountId, "ended", 10, charge);
    const background: Promise<unknown>[] = [];
    const subject = { accountId: c.accountId, keyId: c.keyId, tier: "pro" as const, tierUntil: null, accountStatus: "active" as const, authAsOf: Date.now(), limits: noLimits };
    const next = admit(limiterEnv, subject, "next", "mistral/mistral-small-latest", { promptTokens: 1, completionTokens: 1 }, { maxPriceNano: 1, keyBudget: null }, (p) => void background.push(p));
    await expect(next).rejects.toMatchObject({ status: 503 });
    await released;
    await Promise.all(background);
    expect(await real.creditState()).toMatchObject({ balanceNano: 1_000_000_000 - 4_321, reservedNano: 0 });
  });

  it("a charge whose release fails every retry is logged with its lease id and amount, for the operator to reconcile", { timeout: 10_000 }, async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    try {
      const limiterEnv = { ...env, LIMITER: brokenNamespace(() => Promise.reject(new Error("overloaded"))) } as unknown as Env;
      await release(limiterEnv, "acct_lost", "lease-lost", 10, charge);
    } finally {
      spy.mockRestore();
    }
    expect(lines.filter((l) => l.includes("lease-lost") && l.includes("4321"))).toHaveLength(1);
  });
});
