/**
 * Each request is settled at its real price, the one its log event records:
 * a completed call at its usage (with the markup), an abandoned stream at what
 * was generated, a failed call that generated nothing at 0. And the 402s.
 */
import { describe, expect, it } from "vitest";
import { priceNanoUsd } from "../src/billing/price";
import { callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { eventually, limiterStub } from "./helpers/limiter";
import { chat, call, newCustomer, type Customer } from "./helpers/router";
import { ledgerSum } from "./helpers/credits";
import { preloadTokenizer } from "./helpers/tokenizer";

preloadTokenizer();

const GRANT = 100_000_000_000;
const mistral = "mistral/mistral-small-latest";
const settled = async (c: Customer) => {
  await eventually(async () => (await limiterStub(c.accountId).creditState()).reservedNano === 0);
  return limiterStub(c.accountId).creditState();
};

describe("settlement at the real price", () => {
  it("a completed call is debited its customer price (provider cost plus markup), the same the log event records", async () => {
    const c = await newCustomer();
    const made = await callWithLog("/v1/chat/completions", chatInit(c.key, { model: mistral, messages: [{ role: "user", content: "hello there" }] }), undefined, { PRICE_MARKUP_PERCENT: "12.5" });
    expect(made.response.status).toBe(200);
    await readBody(made.response);
    const [event] = await made.settled();
    expect(event!.provider_cost_nano_usd).toBeGreaterThan(0);
    expect(event!.cost_nano_usd).toBe(priceNanoUsd(event!.provider_cost_nano_usd!, 1_250));
    const state = await settled(c);
    expect(state.balanceNano).toBe(GRANT - event!.cost_nano_usd);
    expect(state.pending.find((e) => e.kind === "usage")).toMatchObject({ amountNano: -event!.cost_nano_usd, providerCostNano: event!.provider_cost_nano_usd, requests: 1 });
    await limiterStub(c.accountId).flushLedger();
    expect(await ledgerSum(c.accountId)).toEqual({ total: state.balanceNano, n: 2 });
  });

  it("an abandoned stream is charged for what was generated", { timeout: 15_000 }, async () => {
    const c = await newCustomer();
    const words = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(2, "0")} `).join("");
    const controller = new AbortController();
    const prompt = `fake:{"chunks":30,"chunkDelayMs":40,"reply":"${words}"}`;
    const made = await callWithLog("/v1/chat/completions", chatInit(c.key, { model: mistral, stream: true, max_tokens: 500, messages: [{ role: "user", content: prompt }] }, { signal: controller.signal }));
    const reader = made.response.body!.getReader();
    let text = "";
    while (!text.includes("w10")) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    await reader.cancel().catch(() => {});
    const [event] = await made.settled();
    expect(event).toMatchObject({ client_aborted: true, usage_estimated: true });
    expect(event!.completion_tokens).toBeGreaterThan(0);
    expect(event!.completion_tokens).toBeLessThan(30);
    expect(event!.cost_nano_usd).toBeGreaterThan(0);
    expect((await settled(c)).balanceNano).toBe(GRANT - event!.cost_nano_usd);
  });

  it("a failed upstream call that generated nothing is charged 0", async () => {
    const c = await newCustomer();
    const made = await callWithLog("/v1/chat/completions", chatInit(c.key, { model: mistral, messages: [{ role: "user", content: 'fake:{"status":500}' }] }));
    expect(made.response.status).toBeGreaterThanOrEqual(500);
    const [event] = await made.settled();
    expect(event!.cost_nano_usd).toBe(0);
    const state = await settled(c);
    expect(state.balanceNano).toBe(GRANT);
    expect(state.pending.filter((e) => e.kind === "usage")).toEqual([]);
  });
});

describe("402 answers", () => {
  it("OpenAI's shape on /v1/chat/completions: insufficient_quota, code insufficient_credits", async () => {
    const c = await newCustomer({ credits: 0 });
    const res = await chat(c.key, { model: mistral, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({ error: { type: "insufficient_quota", code: "insufficient_credits", param: null, message: expect.stringContaining("credit") } });
  });

  it("Anthropic's shape on /v1/messages: billing_error", async () => {
    const c = await newCustomer({ credits: 0 });
    const res = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": c.key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: mistral, max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({ type: "error", error: { type: "billing_error", message: expect.stringContaining("credit") } });
  });
});
