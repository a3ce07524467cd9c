/**
 * Mistral: each -latest alias follows Mistral's current model of its size.
 * Mistral publishes no output limit for them (its model cards give only the
 * context length), so the context length bounds the output. No
 * long-context prices. Mistral's own pricing page was not among the stored
 * copies: the sources are named per entry.
 */
import type { ModelEntry } from "../types";

export const MISTRAL_MODELS: readonly ModelEntry[] = [
  {
    id: "mistral/mistral-small-latest",
    provider: "mistral",
    upstreamModel: "mistral-small-latest",
    name: "Mistral Small",
    // Mistral Small 4 (mistral-small-2603, released 2026-03-16): 256k
    // (262,144) window, 0.15 / 0.60, as model directories list it
    // (whichllm, switchy, rival.tips). That the alias points at it, and its
    // cached price (0.01 on one gateway), could not be confirmed on Mistral's
    // pages: cached tokens are billed at the prompt price.
    contextLength: 262_144,
    maxOutputTokens: 262_144,
    pricing: { prompt: 0.15, completion: 0.6 },
    region: "eu",
  },
  {
    id: "mistral/mistral-medium-latest",
    provider: "mistral",
    upstreamModel: "mistral-medium-latest",
    name: "Mistral Medium",
    // Mistral Medium 3.5 (mistral-medium-2604; Mistral's "Mistral Medium 1.0"
    // page names it the replacement): 256k (262,144) window, 1.50 / 7.50 (its
    // model card, as quoted in braintrust-proxy issue 505), cached 0.15
    // (models.dev, citing Mistral's pricing page of 2026-09-29).
    contextLength: 262_144,
    maxOutputTokens: 262_144,
    pricing: { prompt: 1.5, completion: 7.5, cachedPrompt: 0.15 },
    region: "eu",
  },
  {
    id: "mistral/mistral-large-latest",
    provider: "mistral",
    upstreamModel: "mistral-large-latest",
    name: "Mistral Large",
    // Mistral Large 3 (mistral-large-2512): 262,144 window, 0.50 / 1.50
    // (models.dev). Mistral Large 4 is in public preview since 2026-10-06
    // (0.68 / 2.09 at the preview discount, list 1.36 / 4.18); whether the
    // alias has moved to it could not be confirmed. Check before relying on
    // this price.
    contextLength: 262_144,
    maxOutputTokens: 262_144,
    pricing: { prompt: 0.5, completion: 1.5 },
    region: "eu",
  },
];
