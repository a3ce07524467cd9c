/**
 * Mistral: each -latest alias follows Mistral's current model of its size.
 * Mistral publishes no output limit for them (its model cards give only the
 * context length), so the context length bounds the output. No
 * long-context prices. Mistral's own pricing page was not among the stored
 * copies: the sources are named per entry.
 */
import type { ModelSpec } from "../model-spec";

export const MISTRAL_MODELS: readonly ModelSpec[] = [
  {
    id: "mistral/mistral-small-latest",
    provider: "mistral",
    name: "Mistral Small",
    // Mistral Small 4 (mistral-small-2603, released 2026-03-16): 256k
    // (262,144) window, 0.15 / 0.60, as model directories list it
    // (whichllm, switchy, rival.tips). That the alias points at it, and its
    // cached price (0.01 on one gateway), could not be confirmed on Mistral's
    // pages: cached tokens are billed at the prompt price.
    contextLength: 262_144,
    maxOutputTokens: 262_144,
    routes: [
      // EU: Mistral's regional endpoint, api.eu.mistral.ai ("Inference" page,
      // mistral.ai/cloud/inference: each region "a fully independent
      // deployment with its own capacity and data boundary").
      {
        endpoint: "mistral-eu",
        upstreamModel: "mistral-small-latest",
        region: "eu",
        pricing: { prompt: 0.15, completion: 0.6 },
      },
      // The same model on Mistral's global endpoint: no EU guarantee, so only
      // for accounts that consented to processing outside the EU.
      {
        endpoint: "mistral-global",
        upstreamModel: "mistral-small-latest",
        region: "global",
        pricing: { prompt: 0.15, completion: 0.6 },
      },
    ],
  },
  {
    id: "mistral/mistral-medium-latest",
    provider: "mistral",
    name: "Mistral Medium",
    // Mistral Medium 3.5 (mistral-medium-2604; Mistral's "Mistral Medium 1.0"
    // page names it the replacement): 256k (262,144) window, 1.50 / 7.50 (its
    // model card, as quoted in braintrust-proxy issue 505), cached 0.15
    // (models.dev, citing Mistral's pricing page of 2026-09-29).
    contextLength: 262_144,
    maxOutputTokens: 262_144,
    routes: [
      // EU: Mistral's regional endpoint, api.eu.mistral.ai ("Inference" page,
      // mistral.ai/cloud/inference: each region "a fully independent
      // deployment with its own capacity and data boundary").
      {
        endpoint: "mistral-eu",
        upstreamModel: "mistral-medium-latest",
        region: "eu",
        pricing: { prompt: 1.5, completion: 7.5, cachedPrompt: 0.15 },
      },
      // The same model on Mistral's global endpoint: no EU guarantee, so only
      // for accounts that consented to processing outside the EU.
      {
        endpoint: "mistral-global",
        upstreamModel: "mistral-medium-latest",
        region: "global",
        pricing: { prompt: 1.5, completion: 7.5, cachedPrompt: 0.15 },
      },
    ],
  },
  {
    id: "mistral/mistral-large-latest",
    provider: "mistral",
    name: "Mistral Large",
    // Mistral Large 3 (mistral-large-2512): 262,144 window, 0.50 / 1.50
    // (models.dev). Mistral Large 4 is in public preview since 2026-10-06
    // (0.68 / 2.09 at the preview discount, list 1.36 / 4.18); whether the
    // alias has moved to it could not be confirmed. Check before relying on
    // this price.
    contextLength: 262_144,
    maxOutputTokens: 262_144,
    routes: [
      // EU: Mistral's regional endpoint, api.eu.mistral.ai ("Inference" page,
      // mistral.ai/cloud/inference: each region "a fully independent
      // deployment with its own capacity and data boundary").
      {
        endpoint: "mistral-eu",
        upstreamModel: "mistral-large-latest",
        region: "eu",
        pricing: { prompt: 0.5, completion: 1.5 },
      },
      // The same model on Mistral's global endpoint: no EU guarantee, so only
      // for accounts that consented to processing outside the EU.
      {
        endpoint: "mistral-global",
        upstreamModel: "mistral-large-latest",
        region: "global",
        pricing: { prompt: 0.5, completion: 1.5 },
      },
    ],
  },
];
