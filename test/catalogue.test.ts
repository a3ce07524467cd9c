import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import { ENDPOINTS } from "../src/providers/endpoints";
import type { ModelPricing } from "../src/providers/types";

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
    // The id is the provider's own name for the model; an EU route may know it by another (Vertex: "anthropic/claude-haiku-4-5@20251001").
    // A model served on Vertex AI only names it as Vertex does, publisher first ("google/gemini-3.5-flash").
    expect(m.routes.flatMap((r) => [`${m.provider}/${r.upstreamModel}`, r.upstreamModel])).toContain(id);
    expect(m.name.length).toBeGreaterThan(0);
    expect(m.routes.length).toBeGreaterThan(0);
    // EU-hosted routes come first: they need no consent.
    const regions = m.routes.map((r) => r.region);
    expect(regions).toEqual([...regions].sort((a, b) => Number(b === "eu") - Number(a === "eu")));
    for (const r of m.routes) {
      const label = `${id} via ${r.endpoint}`;
      expect(Number.isSafeInteger(r.contextLength) && r.contextLength > 0).toBe(true);
      if (m.embedding) {
        // An embedding model generates no tokens and is billed for its input only.
        expect(r.maxOutputTokens, label).toBe(0);
        expect(r.pricing.completion, label).toBe(0);
      } else {
        expect(Number.isSafeInteger(r.maxOutputTokens) && r.maxOutputTokens > 0).toBe(true);
        expect(r.maxOutputTokens).toBeLessThanOrEqual(r.contextLength);
      }
      // A route's region is its endpoint's, whose claim cites the provider (endpoints.ts).
      expect(r.region, label).toBe(ENDPOINTS[r.endpoint as keyof typeof ENDPOINTS].region);
      expectPrices(r.pricing, label);
      const long = r.pricing.longContext;
      if (long) {
        expectPrices(long, `${label} longContext`);
        // A threshold the model can reach, and a tier that costs more, not less.
        expect(Number.isSafeInteger(long.aboveTokens) && long.aboveTokens > 0).toBe(true);
        expect(long.aboveTokens).toBeLessThan(r.contextLength);
        expect(long.prompt).toBeGreaterThanOrEqual(r.pricing.prompt);
        expect(long.completion).toBeGreaterThanOrEqual(r.pricing.completion);
      }
    }
    expect(m.maxOutputTokens).toBe(Math.max(...m.routes.map((r) => r.maxOutputTokens)));
  });

  it("has unique ids", () => {
    expect(new Set(CATALOGUE.map((m) => m.id)).size).toBe(CATALOGUE.length);
  });
});
