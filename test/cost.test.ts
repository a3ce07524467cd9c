import { describe, expect, it } from "vitest";
import { findModel } from "../src/providers/catalogue";
import type { ModelPricing, Usage } from "../src/providers/types";
import { costNanoUsd } from "../src/router/cost";

const usage = (promptTokens: number, completionTokens: number, cachedTokens = 0): Usage => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  reasoningTokens: 0,
});

// One token at p USD per million costs p × 1,000 nano-USD.
const LUNA = findModel("openai/gpt-6-luna")!.routes[0]!.pricing;
// Anthropic's own prices: the model's Vertex EU route charges 10% more.
const HAIKU = findModel("anthropic/claude-haiku-5-5")!.routes.find((r) => r.endpoint === "anthropic")!.pricing;

describe("costNanoUsd", () => {
  it("prices uncached prompt, cached prompt and completion tokens at a flat model's rates", () => {
    const flat: ModelPricing = { prompt: 0.15, completion: 0.6, cachedPrompt: 0.075 };
    // 800 × 150 + 200 × 75 + 500 × 600
    expect(costNanoUsd(flat, usage(1_000, 500, 200))).toBe(435_000);
    // No cached price: cached tokens cost the prompt price.
    expect(costNanoUsd({ prompt: 0.15, completion: 0.6 }, usage(1_000, 500, 200))).toBe(450_000);
  });

  it("is exact where floating point is not: one rounding, half up, of the exact sum", () => {
    // 1 × 75 + 21 × 37.5 = 862.5 nano-USD exactly; 0.075 + 21 × 0.0375 in floats is 0.86249999…
    expect(costNanoUsd({ prompt: 0.075, completion: 0.0375 }, usage(1, 21))).toBe(863);
  });

  it("bills a prompt at the threshold at the normal prices (OpenAI: more than 272K input tokens)", () => {
    // 200,000 × 100 + 72,000 × 10 + 1,000 × 500
    expect(costNanoUsd(LUNA, usage(272_000, 1_000, 72_000))).toBe(21_220_000);
  });

  it("bills the whole request at the long-context prices once the prompt is past the threshold", () => {
    // One token more: every token at the long rates, 200,001 × 200 + 72,000 × 20 + 1,000 × 750
    expect(costNanoUsd(LUNA, usage(272_001, 1_000, 72_000))).toBe(42_190_200);
  });

  it("counts cached tokens toward the threshold (Anthropic: input, cache reads and writes)", () => {
    // Claude Haiku 5.5 is 5x above 100,000 prompt tokens, cache reads included.
    expect(costNanoUsd(HAIKU, usage(100_000, 10, 90_000))).toBe(10_000 * 100 + 90_000 * 10 + 10 * 500);
    expect(costNanoUsd(HAIKU, usage(100_001, 10, 90_000))).toBe(10_001 * 500 + 90_000 * 50 + 10 * 2_500);
  });

  it("uses the tier's prompt price for cached tokens when the tier names no cached price", () => {
    const pricing: ModelPricing = { prompt: 1, completion: 2, cachedPrompt: 0.1, longContext: { aboveTokens: 10, prompt: 3, completion: 4 } };
    expect(costNanoUsd(pricing, usage(11, 1, 5))).toBe(11 * 3_000 + 4_000);
  });
});
