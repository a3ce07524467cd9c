/**
 * Prepaid credit and key budgets hold under parallel requests: admission
 * reserves each request's maximum price atomically in the account's limiter,
 * so a balance (or budget) that covers 10 requests admits exactly 10 of 50
 * in flight at once, and the others get 402 before any upstream call.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chat, errorOf, newCustomer, releaseHold, tag, upstreamRequests, type Customer } from "./helpers/router";
import { eventually, limiterStub } from "./helpers/limiter";
import { adjust, ledgerSum } from "./helpers/credits";

const mistral = "mistral/mistral-small-latest";
const held = (marker: string, hold: string) => ({ model: mistral, stream: true, max_tokens: 500, messages: [{ role: "user", content: `${marker} fake:{"hold":"${hold}"}` }] });

/** The maximum price the limiter reserves for one `held` request: measured on a probe request. */
async function reservationOf(c: Customer): Promise<number> {
  const hold = `hold-${crypto.randomUUID()}`;
  const res = await chat(c.key, held(tag(), hold));
  expect(res.status).toBe(200);
  const reserved = (await limiterStub(c.accountId).creditState()).reservedNano;
  await releaseHold(hold);
  await res.text();
  await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
  return reserved;
}

async function fifty(c: Customer, marker: string, hold: string) {
  const responses = await Promise.all(Array.from({ length: 50 }, () => chat(c.key, held(marker, hold))));
  return { responses, ok: responses.filter((r) => r.status === 200), refused: responses.filter((r) => r.status === 402) };
}

async function finish(c: Customer, hold: string, ok: Response[]) {
  await releaseHold(hold);
  await Promise.all(ok.map((r) => r.text()));
  await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
}

describe("50 parallel requests against credit for 10", () => {
  it("admits 10, refuses 40 with 402 insufficient_credits before any upstream call, never goes below zero, and the ledger sums to the balance", async () => {
    const c = await newCustomer({ tier: "enterprise", credits: 1 });
    const price = await reservationOf(c);
    expect(price).toBeGreaterThan(0);
    const { balanceNano } = await limiterStub(c.accountId).creditState();
    await adjust(c.accountId, 10 * price - balanceNano);

    const marker = tag();
    const hold = `hold-${crypto.randomUUID()}`;
    const { responses, ok, refused } = await fifty(c, marker, hold);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(await errorOf(r)).toMatchObject({ type: "insufficient_quota", code: "insufficient_credits" });
    expect(responses.every((r) => r.status === 200 || r.status === 402)).toBe(true);
    expect(await upstreamRequests(marker)).toHaveLength(10);
    expect(await limiterStub(c.accountId).creditState()).toMatchObject({ balanceNano: 10 * price, reservedNano: 10 * price, availableNano: 0 });

    await finish(c, hold, ok);
    const state = await limiterStub(c.accountId).creditState();
    // Each request settled at its real price, at most what it reserved: the balance stays at or above zero.
    expect(state.balanceNano).toBeGreaterThanOrEqual(0);
    expect(state.balanceNano).toBeLessThan(10 * price);
    await limiterStub(c.accountId).flushLedger();
    expect((await ledgerSum(c.accountId)).total).toBe(state.balanceNano);
  });

  it("a request refused for credit takes no rate-limit slot", async () => {
    const c = await newCustomer({ credits: 0, key: { limits: { rpm: 3 } } });
    const hi = () => chat(c.key, { model: mistral, messages: [{ role: "user", content: "hi" }] });
    for (let i = 0; i < 5; i++) expect((await hi()).status).toBe(402);
    await adjust(c.accountId, 1_000_000_000);
    expect([(await hi()).status, (await hi()).status, (await hi()).status, (await hi()).status]).toEqual([200, 200, 200, 429]);
    // The rate-limited request holds no money.
    await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
  });
});

describe("50 parallel requests against a key budget for 10", () => {
  it("admits 10, refuses 40 with 402 budget_exceeded before any upstream call", async () => {
    // No consent call: the key's first authentication (which the isolate caches) comes after its budget is set.
    const c = await newCustomer({ tier: "enterprise", consent: false });
    const probe = await newCustomer({ tier: "enterprise", consent: false });
    const price = await reservationOf(probe);
    await env.DB.prepare("update api_keys set budget_nano_usd = ?, budget_period = 'monthly' where id = ?").bind(10 * price, c.keyId).run();

    const marker = tag();
    const hold = `hold-${crypto.randomUUID()}`;
    const { ok, refused } = await fifty(c, marker, hold);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect(await errorOf(r)).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" });
    expect(await upstreamRequests(marker)).toHaveLength(10);

    await finish(c, hold, ok);
    const state = await limiterStub(c.accountId).creditState({ [c.keyId]: "monthly" });
    const spent = state.keySpend[c.keyId]!;
    expect(spent.spentNano).toBeGreaterThan(0);
    expect(spent.spentNano).toBeLessThanOrEqual(10 * price);
    expect(spent.spentNano).toBe(100_000_000_000 - state.balanceNano);
  });
});
