/**
 * Key budgets through the key API and the operator's key creation: set,
 * shown with spend and reset time, changed, removed, validated, bounded by
 * the calling key's own budget, carried over by rotation.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { clearAuthCache } from "../src/router/auth-cache";
import { periodBounds } from "../src/billing/budget-period";
import { createdKey, keysApi, type KeyBody } from "./helpers/keys";
import { eventually, limiterStub } from "./helpers/limiter";
import { admin, chat, errorOf, newCustomer } from "./helpers/router";

beforeEach(() => clearAuthCache());

type Budget = { limit_usd: number; period: string; spent_usd: number; remaining_usd: number; resets_at: string };
type WithBudget = KeyBody & { budget: Budget | null };

const read = async (caller: string, id: string) => (await (await keysApi(caller, "GET", `/${id}`)).json()) as WithBudget;

describe("key budgets in the key API", () => {
  it("creates a key with a budget and shows its limit, spend, remaining amount and reset", async () => {
    const { key: caller } = await newCustomer();
    const created = (await createdKey(caller, { name: "capped", budget: { limit_usd: 12.5, period: "monthly" } })) as WithBudget & { key: string };
    const resets = new Date(periodBounds("monthly", Date.now()).end).toISOString();
    expect(created.budget).toEqual({ limit_usd: 12.5, period: "monthly", spent_usd: 0, remaining_usd: 12.5, resets_at: resets });
    expect((await read(caller, created.id)).budget).toEqual(created.budget);
    const list = (await (await keysApi(caller, "GET")).json()) as { data: WithBudget[] };
    expect(list.data.find((k) => k.id === created.id)?.budget).toEqual(created.budget);
    // The calling key has none.
    expect(list.data.find((k) => k.id !== created.id)?.budget).toBeNull();
    const row = await env.DB.prepare("select budget_nano_usd, budget_period from api_keys where id = ?").bind(created.id).first();
    expect(row).toEqual({ budget_nano_usd: 12_500_000_000, budget_period: "monthly" });
  });

  it("raises, lowers and removes a budget with PATCH, auditing the field (never the value)", async () => {
    const { key: caller, accountId } = await newCustomer();
    const k = await createdKey(caller, { name: "k", budget: { limit_usd: 5, period: "daily" } });
    const raised = await keysApi(caller, "PATCH", `/${k.id}`, { budget: { limit_usd: 50, period: "weekly" } });
    expect(raised.status).toBe(200);
    expect(((await raised.json()) as WithBudget).budget).toMatchObject({ limit_usd: 50, period: "weekly", remaining_usd: 50 });
    const removed = await keysApi(caller, "PATCH", `/${k.id}`, { budget: null });
    expect(((await removed.json()) as WithBudget).budget).toBeNull();
    const audit = await env.DB.prepare("select details from audit_log where account_id = ? and action = 'key.update' and target = ?").bind(accountId, k.id).all<{ details: string }>();
    expect(audit.results.map((r) => JSON.parse(r.details))).toEqual([{ fields: ["budget"] }, { fields: ["budget"] }]);
  });

  it("refuses a budget that is not positive, has more than 9 decimals, is too large, or names an unknown period", async () => {
    const { key: caller } = await newCustomer();
    const bad = [
      { limit_usd: 0, period: "daily" },
      { limit_usd: -1, period: "daily" },
      { limit_usd: 0.0000000001, period: "daily" },
      { limit_usd: 1_000_001, period: "daily" },
      { limit_usd: "5", period: "daily" },
      { limit_usd: 5, period: "yearly" },
      { limit_usd: 5 },
      { limit_usd: 5, period: "daily", currency: "eur" },
    ];
    for (const budget of bad) {
      const res = await keysApi(caller, "POST", "", { name: "x", budget });
      expect(res.status, JSON.stringify(budget)).toBe(400);
      expect((await errorOf(res)).param ?? "").toMatch(/^budget/);
    }
    // Nine decimals is the unit: accepted exactly.
    const fine = await createdKey(caller, { budget: { limit_usd: 0.000000001, period: "daily" } });
    expect((fine as WithBudget).budget?.limit_usd).toBe(0.000000001);
  });

  it("keeps a budgeted key within its own budget: children inherit it, and it cannot be lifted or exceeded", async () => {
    const { key: caller } = await newCustomer({ key: { budget: { limit_usd: 10, period: "monthly" } } });
    const inherited = (await createdKey(caller, { name: "child" })) as WithBudget;
    expect(inherited.budget).toMatchObject({ limit_usd: 10, period: "monthly" });
    const lower = (await createdKey(caller, { budget: { limit_usd: 2, period: "monthly" } })) as WithBudget;
    expect(lower.budget?.limit_usd).toBe(2);
    for (const budget of [null, { limit_usd: 11, period: "monthly" }, { limit_usd: 1, period: "daily" }]) {
      const res = await keysApi(caller, "POST", "", { budget });
      expect(res.status, JSON.stringify(budget)).toBe(403);
      expect(await errorOf(res)).toMatchObject({ code: "key_exceeds_caller", param: "budget" });
      const patch = await keysApi(caller, "PATCH", `/${lower.id}`, { budget });
      expect(patch.status, JSON.stringify(budget)).toBe(403);
    }
    // Raising a child back up to the caller's own budget is allowed (a budget is not narrow-only).
    const back = await keysApi(caller, "PATCH", `/${lower.id}`, { budget: { limit_usd: 10, period: "monthly" } });
    expect(back.status).toBe(200);
  });

  it("takes a budget on the operator's key creation, and a rotation keeps it", async () => {
    const { key: caller, accountId } = await newCustomer();
    const res = await admin("POST", `/accounts/${accountId}/keys`, { name: "ops", budget: { limit_usd: 3.25, period: "weekly" } });
    expect(res.status).toBe(201);
    const made = (await res.json()) as WithBudget;
    expect(made.budget).toMatchObject({ limit_usd: 3.25, period: "weekly", spent_usd: 0, remaining_usd: 3.25 });
    expect((await admin("POST", `/accounts/${accountId}/keys`, { budget: { limit_usd: 0, period: "weekly" } })).status).toBe(400);
    const rotated = await keysApi(caller, "POST", `/${made.id}/rotate`, {});
    expect(rotated.status).toBe(201);
    expect(((await rotated.json()) as WithBudget).budget).toMatchObject({ limit_usd: 3.25, period: "weekly" });
  });

  it("shows what the key spent in its period and what is left, from the limiter object", async () => {
    const { key: caller, accountId } = await newCustomer();
    const k = await createdKey(caller, { name: "spender", budget: { limit_usd: 5, period: "daily" } });
    const res = await chat(k.key, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(200);
    await res.text();
    await eventually(async () => (await limiterStub(accountId).creditState()).reservedNano === 0);
    const { balanceNano } = await limiterStub(accountId).creditState();
    const spent = 100_000_000_000 - balanceNano;
    expect(spent).toBeGreaterThan(0);
    const view = (await read(caller, k.id)).budget!;
    expect(view).toMatchObject({ limit_usd: 5, period: "daily", spent_usd: spent / 1e9 });
    expect(Math.round(view.remaining_usd * 1e9)).toBe(5_000_000_000 - spent);
    const list = (await (await keysApi(caller, "GET")).json()) as { data: WithBudget[] };
    expect(list.data.find((x) => x.id === k.id)?.budget).toEqual(view);
  });
});
