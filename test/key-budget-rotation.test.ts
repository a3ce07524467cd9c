/**
 * A rotation never restarts a key's budget: the new key spends on the old
 * key's counter (the limiter's credit_key_alias), the old key in its grace
 * period keeps drawing on it too, and a chain of rotations shares one
 * counter. The keys API shows every key of the chain with the shared spend.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { clearAuthCache } from "../src/router/auth-cache";
import { keysApi, createdKey, type KeyBody } from "./helpers/keys";
import { eventually, limiterStub } from "./helpers/limiter";
import { chat, errorOf, newCustomer, releaseHold, type Customer } from "./helpers/router";

beforeEach(() => clearAuthCache());

type Budget = { limit_usd: number; period: string; spent_usd: number; remaining_usd: number; resets_at: string };
type WithBudget = KeyBody & { budget: Budget | null; key?: string };

const GRANT_NANO = 100_000_000_000;
const nano = (usd: number) => Math.round(usd * 1e9);

/**
 * One streamed request, held by the fake upstream until released, then read
 * to its end and settled. Every request here is alike (hold ids are of one
 * length), so each reserves and costs the same; `whileHeld` sees it in flight.
 */
async function spend(c: Customer, key: string, whileHeld: () => Promise<void> = async () => {}): Promise<Response> {
  const hold = `hold-${crypto.randomUUID()}`;
  const res = await chat(key, { model: "mistral/mistral-small-latest", stream: true, max_tokens: 500, messages: [{ role: "user", content: `budget fake:{"hold":"${hold}"}` }] });
  if (res.status !== 200) return res;
  await whileHeld();
  await releaseHold(hold);
  await res.text();
  await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
  return res;
}

/** What one `spend` request reserves at admission and is charged once settled, measured on a key without a budget. */
async function measure(): Promise<{ reserved: number; price: number }> {
  const c = await newCustomer();
  let reserved = 0;
  const res = await spend(c, c.key, async () => void (reserved = (await limiterStub(c.accountId).creditState()).reservedNano));
  expect(res.status).toBe(200);
  return { reserved, price: GRANT_NANO - (await limiterStub(c.accountId).creditState()).balanceNano };
}

const rotate = async (caller: string, id: string) => {
  const res = await keysApi(caller, "POST", `/${id}/rotate`, { grace_period_seconds: 3600 });
  expect(res.status).toBe(201);
  return (await res.json()) as WithBudget & { key: string };
};
const budgetOf = async (caller: string, id: string) => ((await (await keysApi(caller, "GET", `/${id}`)).json()) as WithBudget).budget!;

describe("a rotated key's budget", () => {
  it("is shared by the new key, the old key in its grace period and the next rotation: 402 budget_exceeded once the shared spend reaches it", async () => {
    const { reserved, price } = await measure();
    expect(price).toBeGreaterThan(0);
    // Room for three settled requests and not quite a fourth's reservation.
    const limitNano = 3 * price + reserved - 1;
    const c = await newCustomer();
    const k1 = (await createdKey(c.key, { name: "svc", budget: { limit_usd: limitNano / 1e9, period: "monthly" } })) as WithBudget & { key: string };
    expect((await spend(c, k1.key)).status).toBe(200);

    const k2 = await rotate(c.key, k1.id);
    // The new key starts with the old key's spend, not at zero.
    expect(nano(k2.budget!.spent_usd)).toBe(price);
    expect(nano(k2.budget!.remaining_usd)).toBe(limitNano - price);
    expect((await spend(c, k2.key)).status).toBe(200);
    // The old key, in its grace period, draws on the same counter.
    expect((await spend(c, k1.key)).status).toBe(200);

    // A second rotation (k1 → k2 → k3) still counts against the first key's counter.
    const k3 = await rotate(c.key, k2.id);
    for (const key of [k3.key, k2.key, k1.key]) {
      const refused = await spend(c, key);
      expect(refused.status).toBe(402);
      expect(await errorOf(refused)).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" });
    }
    // On its own counter the newest key would have had the whole budget left.
    expect((await limiterStub(c.accountId).creditState()).balanceNano).toBe(GRANT_NANO - 3 * price);

    for (const id of [k1.id, k2.id, k3.id]) {
      const view = await budgetOf(c.key, id);
      expect([nano(view.spent_usd), nano(view.remaining_usd)], id).toEqual([3 * price, reserved - 1]);
    }
    const list = (await (await keysApi(c.key, "GET")).json()) as { data: WithBudget[] };
    expect(list.data.find((k) => k.id === k3.id)?.budget).toEqual(await budgetOf(c.key, k3.id));
  });
});
