import type { ModelEntry, Usage } from "../providers/types";

/** Catalogue prices are USD per million tokens: one token at price p costs p × 1000 nano-USD. */
const NANO_USD_PER_TOKEN_AT_ONE_USD_PER_MILLION = 1000;

/**
 * What a request cost, from the catalogue prices in force when it ran, in
 * billionths of a dollar (integers add up exactly in the ledger). Cached
 * prompt tokens are part of the prompt count and priced at the cached rate
 * where the model has one; reasoning tokens are part of the completion count.
 */
export function costNanoUsd(pricing: ModelEntry["pricing"], usage: Usage): number {
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  const usd =
    uncached * pricing.prompt + cached * (pricing.cachedPrompt ?? pricing.prompt) + usage.completionTokens * pricing.completion;
  return Math.round(usd * NANO_USD_PER_TOKEN_AT_ONE_USD_PER_MILLION);
}
