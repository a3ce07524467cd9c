/**
 * The balance the limiter holds always equals the sum of the credit ledger
 * once its pending entries are flushed: after a seeded random sequence of
 * top-ups, requests and refunds, after the log queue refused every send, and
 * after the billing database failed for a while. And settlement, credits and
 * budgets are exact at the object itself.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LEDGER_FLUSH_DELAY_MS } from "../src/billing/pending-ledger";
import type { AccountLimiter } from "../src/limits/limiter";
import { TIER_LIMITS } from "../src/limits/tiers";
import type { LogEvent, LogMessage } from "../src/shared/log-event";
import { CapturingQueue, callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { eventually, limiterStub } from "./helpers/limiter";
import { newCustomer, type Customer } from "./helpers/router";
import { adjust, ledgerSum, limiterClock } from "./helpers/credits";
import { mulberry32 } from "./helpers/random";

const mistral = "mistral/mistral-small-latest";

/** What a seeded sequence did: the requests answered 200 and the credit added or taken besides them. */
interface SequenceRun {
  requests: number;
  creditedNano: number;
}

/** Runs a seeded sequence of top-ups, refunds and requests (their log events sent to `queue`). */
async function randomSequence(c: Customer, seed: number, queue: () => CapturingQueue): Promise<SequenceRun> {
  const random = mulberry32(seed);
  const run: SequenceRun = { requests: 0, creditedNano: 0 };
  for (let step = 0; step < 30; step++) {
    const roll = random();
    if (roll < 0.25) {
      const amountNano = Math.floor(random() * 5e9) + 1;
      await limiterStub(c.accountId).credit({ entryId: `topup:${seed}:${step}:${c.accountId}`, accountId: c.accountId, kind: "topup", amountNano, paidMinor: 100, currency: "usd" });
      run.creditedNano += amountNano;
    } else if (roll < 0.4) {
      const amountNano = -Math.floor(random() * 1e8) - 1;
      await adjust(c.accountId, amountNano);
      run.creditedNano += amountNano;
    } else {
      const words = Math.floor(random() * 20) + 1;
      const made = await callWithLog("/v1/chat/completions", chatInit(c.key, { model: mistral, messages: [{ role: "user", content: `fake:{"reply":"${"word ".repeat(words)}"}` }] }), queue());
      await readBody(made.response);
      await made.settled();
      if (made.response.status === 200) run.requests++;
    }
    // A flush now and then, as the alarm would: entries are written in several runs.
    if (random() < 0.2) await limiterStub(c.accountId).flushLedger();
  }
  await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
  return run;
}

/** A log queue that refuses every send, keeping what it was offered: the requests' prices, as their log events state them. */
class RefusingQueue extends CapturingQueue {
  readonly offered = new Map<string, LogEvent>();
  constructor() {
    super(() => "fail");
  }

  override async send(body: unknown): Promise<QueueSendResponse> {
    for (const event of (body as LogMessage).events) this.offered.set(event.request_id, event);
    return super.send(body);
  }
}

describe("the balance equals the ledger's sum", () => {
  for (const seed of [7, 1234]) {
    it(`after a random sequence of top-ups, requests and refunds (seed ${seed})`, async () => {
      const c = await newCustomer({ credits: 5 });
      const { requests } = await randomSequence(c, seed, () => new CapturingQueue());
      expect(requests).toBeGreaterThan(0);
      await limiterStub(c.accountId).flushLedger();
      const { balanceNano, pending } = await limiterStub(c.accountId).creditState();
      expect(pending).toEqual([]);
      expect((await ledgerSum(c.accountId)).total).toBe(balanceNano);
      const usage = await env.BILLING_DB.prepare("select coalesce(sum(requests), 0) as n from credit_ledger where account_id = ? and kind = 'usage'").bind(c.accountId).first<{ n: number }>();
      expect(usage!.n).toBe(requests);
    });
  }

  // Each refused send is retried with backoff (src/router/log-sender.ts): the sequence takes seconds.
  it("when the log queue refused every send: the ledger does not depend on it", { timeout: 60_000 }, async () => {
    const c = await newCustomer({ credits: 5 });
    const queue = new RefusingQueue();
    const { requests, creditedNano } = await randomSequence(c, 99, () => queue);
    expect(requests).toBeGreaterThan(0);
    expect(queue.events).toEqual([]); // not one send went through
    // Every request was charged its price, though its log event never left: settlement does not ride on the queue.
    const prices = [...queue.offered.values()].filter((e) => e.status === 200).map((e) => e.cost_nano_usd);
    expect(prices).toHaveLength(requests);
    expect(prices.every((p) => p > 0)).toBe(true);
    const charged = prices.reduce((a, b) => a + b, 0);
    const before = await limiterStub(c.accountId).creditState();
    expect(before.balanceNano).toBe(5_000_000_000 + creditedNano - charged);
    // The alarm flushes what is pending, without anyone calling flushLedger.
    const t = Date.now() + LEDGER_FLUSH_DELAY_MS + 1;
    await limiterClock(c.accountId, t);
    await runDurableObjectAlarm(limiterStub(c.accountId));
    const { balanceNano, pending } = await limiterStub(c.accountId).creditState();
    expect(pending).toEqual([]);
    expect(balanceNano).toBe(before.balanceNano);
    expect((await ledgerSum(c.accountId)).total).toBe(balanceNano);
    const usage = await env.BILLING_DB.prepare("select coalesce(sum(requests), 0) as n, coalesce(sum(amount_nano_usd), 0) as total from credit_ledger where account_id = ? and kind = 'usage'").bind(c.accountId).first<{ n: number; total: number }>();
    expect(usage).toEqual({ n: requests, total: -charged });
  });

  it("when the billing database failed: entries stay pending, and are written once after", async () => {
    const c = await newCustomer({ credits: 3 });
    const stub = limiterStub(c.accountId);
    const failing = { batch: async () => Promise.reject(new Error("D1 unavailable")), prepare: env.BILLING_DB.prepare.bind(env.BILLING_DB) };
    await runInDurableObject(stub, (o: AccountLimiter) => void Object.assign(o, { env: { ...env, BILLING_DB: failing } }));
    expect(await stub.flushLedger()).toBe(0);
    await adjust(c.accountId, -1_000);
    expect((await stub.creditState()).pending).toHaveLength(2);
    expect(await ledgerSum(c.accountId)).toEqual({ total: 0, n: 0 });
    await runInDurableObject(stub, (o: AccountLimiter) => void Object.assign(o, { env }));
    expect(await stub.flushLedger()).toBe(2);
    expect(await ledgerSum(c.accountId)).toEqual({ total: 3_000_000_000 - 1_000, n: 2 });
  });
});

describe("at the limiter object", () => {
  const limits = TIER_LIMITS.pro;
  const admitFor = (c: Customer, leaseId: string, maxPriceNano: number, budget: { limitNano: number; period: "daily" | "weekly" | "monthly" } | null = null) =>
    limiterStub(c.accountId).admit({ leaseId, keyId: c.keyId, accountId: c.accountId, account: limits, key: limits, tokens: 1, keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { asOf: Date.now(), status: "active", tier: "pro", tierUntil: null }, spend: { maxPriceNano, keyBudget: budget } });

  it("a lease settled twice is charged once; a release without a charge keeps the money reserved", async () => {
    const c = await newCustomer({ credits: 1 });
    const stub = limiterStub(c.accountId);
    expect(await admitFor(c, "lease-1", 500)).toMatchObject({ admitted: true, spendRefused: null });
    await stub.releaseMany([{ leaseId: "lease-1", tokens: null }]);
    expect((await stub.creditState()).reservedNano).toBe(500);
    const charge = { priceNano: 300, providerCostNano: 250 };
    await stub.releaseMany([{ leaseId: "lease-1", tokens: 10, charge }]);
    await stub.releaseMany([{ leaseId: "lease-1", tokens: 10, charge }]);
    expect(await stub.creditState()).toMatchObject({ balanceNano: 1_000_000_000 - 300, reservedNano: 0 });
  });

  it("a lease never settled is released uncharged when it expires", async () => {
    const c = await newCustomer({ credits: 1 });
    const stub = limiterStub(c.accountId);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await admitFor(c, "orphan", 700);
    setClock(t0 + 16 * 60_000);
    await runDurableObjectAlarm(stub);
    expect(await stub.creditState()).toMatchObject({ balanceNano: 1_000_000_000, reservedNano: 0 });
  });

  it("a response still running when its reservation is reclaimed is charged, once, when it settles", async () => {
    const c = await newCustomer({ credits: 1 });
    const stub = limiterStub(c.accountId);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await admitFor(c, "long-stream", 700);
    // 16 minutes in, the stream still runs: the money is released, the lease remembered.
    setClock(t0 + 16 * 60_000);
    await runDurableObjectAlarm(stub);
    expect(await stub.creditState()).toMatchObject({ balanceNano: 1_000_000_000, reservedNano: 0 });
    // It ends at 25 minutes and settles at its real price: debited once, however often the release is retried.
    setClock(t0 + 25 * 60_000);
    const charge = { priceNano: 650, providerCostNano: 600 };
    await stub.releaseMany([{ leaseId: "long-stream", tokens: 10, charge }]);
    await stub.releaseMany([{ leaseId: "long-stream", tokens: 10, charge }]);
    const state = await stub.creditState();
    expect(state).toMatchObject({ balanceNano: 1_000_000_000 - 650, reservedNano: 0 });
    expect(state.keySpend[c.keyId]).toMatchObject({ spentNano: 650 });
    expect(state.pending.find((e) => e.kind === "usage")).toMatchObject({ amountNano: -650, providerCostNano: 600, requests: 1 });
  });

  it("a reclaimed lease is forgotten a day after admission: a settlement later still is not charged", async () => {
    const c = await newCustomer({ credits: 1 });
    const stub = limiterStub(c.accountId);
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await admitFor(c, "lost", 700);
    setClock(t0 + 16 * 60_000);
    await runDurableObjectAlarm(stub);
    const tombstones = () => runInDurableObject(stub, (_o: AccountLimiter, state: DurableObjectState) => state.storage.sql.exec<{ n: number }>("select count(*) as n from credit_reclaimed").one().n);
    expect(await tombstones()).toBe(1);
    // The alarm is set for the tombstone's end, with nothing else due.
    setClock(t0 + 24 * 3_600_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await tombstones()).toBe(0);
    await stub.releaseMany([{ leaseId: "lost", tokens: 10, charge: { priceNano: 650, providerCostNano: 600 } }]);
    expect(await stub.creditState()).toMatchObject({ balanceNano: 1_000_000_000, reservedNano: 0, pending: [] });
  });

  it("two flushes started together write each entry once: the second waits for the first, then writes what is left", async () => {
    const c = await newCustomer({ credits: 1 });
    const stub = limiterStub(c.accountId);
    let batches = 0;
    const counting = { batch: (s: D1PreparedStatement[]) => (batches++, env.BILLING_DB.batch(s)), prepare: env.BILLING_DB.prepare.bind(env.BILLING_DB) };
    const written = await runInDurableObject(stub, (o: AccountLimiter) => {
      Object.assign(o, { env: { ...env, BILLING_DB: counting } });
      return Promise.all([o.flushLedger(), o.flushLedger()]);
    });
    expect(written).toEqual([1, 0]);
    expect(batches).toBe(1);
    expect(await ledgerSum(c.accountId)).toEqual({ total: 1_000_000_000, n: 1 });
  });

  for (const [period, before, after] of [
    ["daily", Date.UTC(2026, 2, 10, 23, 59, 59), Date.UTC(2026, 2, 11, 0, 0, 0)],
    // 2026-03-15 is a Sunday: the ISO week starts on Monday.
    ["weekly", Date.UTC(2026, 2, 15, 23, 59, 59), Date.UTC(2026, 2, 16, 0, 0, 0)],
    ["monthly", Date.UTC(2026, 1, 28, 23, 59, 59), Date.UTC(2026, 2, 1, 0, 0, 0)],
  ] as const) {
    it(`a ${period} key budget refuses past its limit and resets at the period's UTC start`, async () => {
      const c = await newCustomer();
      const stub = limiterStub(c.accountId);
      const setClock = await limiterClock(c.accountId, before - 3_600_000);
      const budget = { limitNano: 1_000, period };
      expect(await admitFor(c, "a", 600, budget)).toMatchObject({ admitted: true });
      // Reserved 600 + 600 would pass 1,000: refused while the first is in flight.
      expect(await admitFor(c, "b", 600, budget)).toEqual({ refused: null, spendRefused: "budget_exceeded" });
      await stub.releaseMany([{ leaseId: "a", tokens: 1, charge: { priceNano: 900, providerCostNano: 900 } }]);
      setClock(before);
      expect(await admitFor(c, "c", 200, budget)).toEqual({ refused: null, spendRefused: "budget_exceeded" });
      expect(await admitFor(c, "d", 100, budget)).toMatchObject({ admitted: true });
      await stub.releaseMany([{ leaseId: "d", tokens: 1, charge: { priceNano: 100, providerCostNano: 100 } }]);
      expect((await stub.creditState({ [c.keyId]: period })).keySpend[c.keyId]).toMatchObject({ spentNano: 1_000, resetsAt: after });
      setClock(after);
      expect(await admitFor(c, "e", 1_000, budget)).toMatchObject({ admitted: true });
      expect((await stub.creditState({ [c.keyId]: period })).keySpend[c.keyId]).toMatchObject({ spentNano: 0, reservedNano: 1_000, periodStart: after });
    });
  }

  it("a request refused for rate holds no money", async () => {
    const c = await newCustomer({ credits: 1 });
    const stub = limiterStub(c.accountId);
    const one = { rpm: 1, tpm: 1_000_000, concurrency: 10 };
    const admit = (leaseId: string) => stub.admit({ leaseId, keyId: c.keyId, accountId: c.accountId, account: limits, key: one, tokens: 1, keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { asOf: Date.now(), status: "active", tier: "pro", tierUntil: null }, spend: { maxPriceNano: 400, keyBudget: null } });
    expect(await admit("x")).toMatchObject({ admitted: true });
    expect(await admit("y")).toMatchObject({ admitted: false, exceeded: "rate_limit_exceeded" });
    expect((await stub.creditState()).reservedNano).toBe(400);
  });
});
