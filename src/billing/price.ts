/**
 * The customer's price: each route keeps its provider cost (what the provider
 * charges us, the catalogue's pricing); the customer pays that cost plus the
 * operator's markup, PRICE_MARKUP_PERCENT (e.g. "5.5" for 5.5 %, at most two
 * decimals, 0 to 1000). The price is what /v1/models shows, what balances,
 * budgets and the logs' `cost` hold; the provider cost is recorded next to it
 * in the billing ledger only, so the margin is visible to the operator and
 * never to the customer.
 */
import type { ModelPricing } from "../providers/types";

/** Basis points (1/100 of a percent) of markup. */
export type MarkupBps = number;

const cache = new Map<string, MarkupBps>();

/**
 * The configured markup. An invalid value is a configuration error: logged
 * with the value (operator configuration, nothing personal) and thrown, so
 * every request that needs a price fails with a 500 until it is fixed, rather
 * than charging or showing prices without the fee (docs/billing.md). The
 * generic 500 log line leaves error messages out, hence the log here.
 */
export function markupBps(env: { PRICE_MARKUP_PERCENT?: string }): MarkupBps {
  const raw = (env.PRICE_MARKUP_PERCENT ?? "").trim();
  const known = cache.get(raw);
  if (known !== undefined) return known;
  if (raw === "") {
    cache.set(raw, 0);
    return 0;
  }
  if (!/^\d{1,4}(\.\d{1,2})?$/.test(raw) || Number(raw) > 1000) {
    const message = `configuration error: PRICE_MARKUP_PERCENT must be a percentage from 0 to 1000 with at most two decimals, not "${raw}"`;
    console.error(message);
    throw new Error(message);
  }
  const bps = Math.round(Number(raw) * 100);
  cache.set(raw, bps);
  return bps;
}

/** Customer price of a provider cost (nano-USD), rounded half up to the nano-dollar. */
export function priceNanoUsd(providerCostNano: number, bps: MarkupBps): number {
  if (bps === 0 || providerCostNano === 0) return providerCostNano;
  return Number((BigInt(providerCostNano) * BigInt(10_000 + bps) + 5_000n) / 10_000n);
}

/** USD per million tokens with the markup, rounded to six decimals (the catalogue's precision). */
const scaled = (usdPerMillion: number, bps: MarkupBps) => Math.round(usdPerMillion * (10_000 + bps) * 100) / 1_000_000;

/** A route's pricing as the customer pays it: every rate with the markup. */
export function customerPricing(pricing: ModelPricing, bps: MarkupBps): ModelPricing {
  if (bps === 0) return pricing;
  const rates = (p: Omit<ModelPricing, "longContext">) => ({
    ...p,
    prompt: scaled(p.prompt, bps),
    completion: scaled(p.completion, bps),
    ...(p.cachedPrompt !== undefined ? { cachedPrompt: scaled(p.cachedPrompt, bps) } : {}),
  });
  return { ...rates(pricing), ...(pricing.longContext ? { longContext: { ...rates(pricing.longContext), aboveTokens: pricing.longContext.aboveTokens } } : {}) };
}
