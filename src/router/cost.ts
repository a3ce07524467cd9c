import type { ModelPricing, Usage } from "../providers/types";

/**
 * Prices are USD per million tokens with at most six decimals, so p × 10^6 is an
 * integer rate (micro-USD per million tokens). tokens × rate is the cost in
 * 10^-12 USD; 1,000 of those make one nano-USD.
 */
const MICRO = 1_000_000;
const RATE_UNITS_PER_NANO_USD = 1_000n;

function rate(usdPerMillion: number): bigint {
  return BigInt(Math.round(usdPerMillion * MICRO));
}

/** The prices a request pays: the long-context tier's when its prompt is past the threshold. */
function pricesFor(pricing: ModelPricing, promptTokens: number): Omit<ModelPricing, "longContext"> {
  const long = pricing.longContext;
  return long && promptTokens > long.aboveTokens ? long : pricing;
}

/**
 * What a request cost, from the catalogue prices in force when it ran, in
 * billionths of a dollar (integers add up exactly in the ledger). Cached
 * prompt tokens are part of the prompt count and priced at the cached rate
 * where the model has one; reasoning tokens are part of the completion count.
 * A prompt past a model's long-context threshold puts the whole request at the
 * long-context prices. Integer arithmetic throughout, one rounding (half up)
 * at the end, so the result does not depend on floating-point error.
 */
export function costNanoUsd(pricing: ModelPricing, usage: Usage): number {
  const prices = pricesFor(pricing, usage.promptTokens);
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  const total =
    BigInt(uncached) * rate(prices.prompt) +
    BigInt(cached) * rate(prices.cachedPrompt ?? prices.prompt) +
    BigInt(usage.completionTokens) * rate(prices.completion);
  return Number((total + RATE_UNITS_PER_NANO_USD / 2n) / RATE_UNITS_PER_NANO_USD);
}
