/**
 * Customers see their prices, never the provider's: /v1/models and the
 * console's models page show every rate of every route with the operator's
 * markup (PRICE_MARKUP_PERCENT), and an invalid markup fails loudly.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ModelPricing } from "../src/providers/types";
import { SEED_CATALOGUE } from "../src/routing/catalogue";
import { signedInClient } from "./helpers/console";
import { call, newCustomer } from "./helpers/router";

interface PricingObject {
  prompt: number;
  completion: number;
  cached_prompt: number | null;
  long_context: { above_tokens: number; prompt: number; completion: number; cached_prompt: number | null } | null;
  unit: string;
}
interface ModelObject {
  id: string;
  pricing: PricingObject;
  routes: { endpoint: string; pricing: PricingObject }[];
}

const original = env.PRICE_MARKUP_PERCENT;
afterEach(() => {
  env.PRICE_MARKUP_PERCENT = original;
  vi.restoreAllMocks();
});

/** The catalogue's provider price × 1.10, as the catalogue's six decimals hold it. */
const plus10 = (usd: number) => Math.round(usd * 1_100_000) / 1_000_000;

function expected(p: ModelPricing): PricingObject {
  const long = p.longContext;
  return {
    prompt: plus10(p.prompt),
    completion: plus10(p.completion),
    cached_prompt: p.cachedPrompt === undefined ? null : plus10(p.cachedPrompt),
    long_context: long
      ? { above_tokens: long.aboveTokens, prompt: plus10(long.prompt), completion: plus10(long.completion), cached_prompt: long.cachedPrompt === undefined ? null : plus10(long.cachedPrompt) }
      : null,
    unit: "USD per 1M tokens",
  };
}

async function models(key: string): Promise<ModelObject[]> {
  const res = await call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ModelObject[] }).data;
}

describe("prices with a 10 % markup", () => {
  it("/v1/models shows every route's prices, cached and long-context included, as the catalogue's × 1.10", async () => {
    const { key } = await newCustomer();
    const before = await models(key);
    env.PRICE_MARKUP_PERCENT = "10";
    const listed = await models(key);
    for (const model of SEED_CATALOGUE.models) {
      const shown = listed.find((m) => m.id === model.id)!;
      expect(shown.routes.map((r) => r.pricing)).toEqual(model.routes.map((r) => expected(r.pricing)));
    }
    // The known figures, to the sixth decimal: GPT-6 Luna's are 0.1 / 0.5 / 0.01 and 0.2 / 0.75 / 0.02 above 272k tokens.
    const luna = listed.find((m) => m.id === "openai/gpt-6-luna")!;
    expect(luna.pricing).toEqual({
      prompt: 0.11,
      completion: 0.55,
      cached_prompt: 0.011,
      long_context: { above_tokens: 272_000, prompt: 0.22, completion: 0.825, cached_prompt: 0.022 },
      unit: "USD per 1M tokens",
    });
    // The top-level price is a route's price, marked up like the routes'.
    expect(listed.every((m) => m.routes.some((r) => JSON.stringify(r.pricing) === JSON.stringify(m.pricing)))).toBe(true);
    // The body cached per isolate follows the markup: back at 0 the provider's prices return.
    env.PRICE_MARKUP_PERCENT = "0";
    expect(await models(key)).toEqual(before);
  });

  it("/v1/models/{id} shows the same prices as the list", async () => {
    const { key } = await newCustomer();
    env.PRICE_MARKUP_PERCENT = "10";
    const res = await call("/v1/models/openai/gpt-6-luna", { headers: { authorization: `Bearer ${key}` } });
    const one = (await res.json()) as ModelObject;
    expect(one.pricing).toEqual((await models(key)).find((m) => m.id === "openai/gpt-6-luna")!.pricing);
    expect(one.pricing.prompt).toBe(0.11);
  });

  it("the console's models page shows the same prices", async () => {
    const { accountId } = await newCustomer();
    const client = await signedInClient(accountId);
    env.PRICE_MARKUP_PERCENT = "10";
    const html = await (await client.get("/models")).text();
    const row = /<tr data-model="openai\/gpt-4o-mini" data-endpoint="openai">([\s\S]*?)<\/tr>/.exec(html)![1]!.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
    // $0.15 and $0.60 per million tokens at the provider.
    expect(row).toContain("$0.165 $0.66");
    expect(html).toContain("include the service fee");
  });
});

describe("an invalid markup", () => {
  it("is a logged configuration error and a 500, never prices without the fee", async () => {
    const { key } = await newCustomer();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    env.PRICE_MARKUP_PERCENT = "ten";
    const res = await call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain("pricing");
    expect(logged.mock.calls.flat().join(" ")).toContain('PRICE_MARKUP_PERCENT must be a percentage from 0 to 1000 with at most two decimals, not "ten"');
  });
});
