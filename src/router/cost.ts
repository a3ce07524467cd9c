import { type MarkupBps, priceNanoUsd } from "../billing/price";
import type { Charge } from "../billing/types";
import type { Reservation } from "../limits/estimate";
import type { ModelPricing, Usage } from "../providers/types";
import type { CallRecord } from "./env";

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

/**
 * What a request is charged: the provider cost of its usage at the route's
 * prices, and the customer price derived from it. One function, so the
 * limiter debits exactly what the log event (and so the usage ledger) says.
 */
export function chargeFor(pricing: ModelPricing, usage: Usage | null, bps: MarkupBps): Charge {
  if (!usage) return { priceNano: 0, providerCostNano: 0 };
  const providerCostNano = costNanoUsd(pricing, usage);
  return { priceNano: priceNanoUsd(providerCostNano, bps), providerCostNano };
}

/**
 * A call's charge: at the route that answered, or for a call billed without
 * an answer (src/router/call.ts promptOnlyOutcome) the one sent the prompt,
 * else the model's first route (no usage then: nothing charged).
 */
export function callCharge(call: CallRecord, usage: Usage | null): Charge {
  return chargeFor((call.route ?? call.model.routes[0]!).pricing, usage, call.markupBps);
}

/**
 * The most a request can cost the customer: its token reservation (the prompt
 * estimate and the largest answer; long-context prices when the estimate is
 * past the threshold) at the dearest of the routes it may be sent to.
 */
export function maxPriceNano(routes: readonly { pricing: ModelPricing }[], reservation: Reservation, bps: MarkupBps): number {
  const usage: Usage = { promptTokens: reservation.promptTokens, completionTokens: reservation.completionTokens, cachedTokens: 0, reasoningTokens: 0 };
  return routes.reduce((most, r) => Math.max(most, chargeFor(r.pricing, usage, bps).priceNano), 0);
}
