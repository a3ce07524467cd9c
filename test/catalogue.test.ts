import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import type { DataRegion, ModelPricing, ProviderId } from "../src/providers/types";

const REGION: Record<ProviderId, DataRegion> = { openai: "us", anthropic: "us", google: "global", mistral: "eu" };

/** A price the cost code can multiply exactly: finite, ≥ 0, at most six decimals. */
function expectPrice(price: number | undefined, label: string) {
  if (price === undefined) return;
  expect(Number.isFinite(price) && price >= 0, label).toBe(true);
  expect(Math.abs(price * 1e6 - Math.round(price * 1e6)), `${label} has more than six decimals`).toBeLessThan(1e-6);
}

function expectPrices(p: Omit<ModelPricing, "longContext">, label: string) {
  expectPrice(p.prompt, `${label} prompt`);
  expectPrice(p.completion, `${label} completion`);
  expectPrice(p.cachedPrompt, `${label} cachedPrompt`);
}

describe("catalogue entries", () => {
  it.each(CATALOGUE.map((m) => [m.id, m] as const))("%s is well-formed", (id, m) => {
    expect(id).toMatch(/^[a-z]+\/[a-z0-9][a-z0-9.-]*$/);
    expect(id).toBe(`${m.provider}/${m.upstreamModel}`);
    expect(m.name.length).toBeGreaterThan(0);
    expect(Number.isSafeInteger(m.contextLength) && m.contextLength > 0).toBe(true);
    expect(Number.isSafeInteger(m.maxOutputTokens) && m.maxOutputTokens > 0).toBe(true);
    expect(m.maxOutputTokens).toBeLessThanOrEqual(m.contextLength);
    expect(m.region).toBe(REGION[m.provider]);
    expectPrices(m.pricing, id);
    const long = m.pricing.longContext;
    if (long) {
      expectPrices(long, `${id} longContext`);
      // A threshold the model can reach, and a tier that costs more, not less.
      expect(Number.isSafeInteger(long.aboveTokens) && long.aboveTokens > 0).toBe(true);
      expect(long.aboveTokens).toBeLessThan(m.contextLength);
      expect(long.prompt).toBeGreaterThanOrEqual(m.pricing.prompt);
      expect(long.completion).toBeGreaterThanOrEqual(m.pricing.completion);
    }
  });

  it("has unique ids", () => {
    expect(new Set(CATALOGUE.map((m) => m.id)).size).toBe(CATALOGUE.length);
  });
});
