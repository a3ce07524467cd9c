/**
 * Anthropic: Claude Sonnet 4.5 was retired on 2026-11-30 (Anthropic "Model
 * deprecations"). Limits and prices from each model's overview page on
 * platform.claude.com and Anthropic's "Pricing" page; cachedPrompt is the
 * cache-read price (cache writes are billed at the prompt price). Anthropic's
 * prompt length counts input, cache reads and cache writes, as the router's
 * prompt tokens do.
 *
 * EU routes: `vertex-eu`, Claude on Vertex AI's `eu` multi-region
 * (aiplatform.eu.rep.googleapis.com), where Google is the processor
 * (Anthropic's "API and data retention": "Claude Models on Google Cloud
 * (Google managed)"). Model ids: Anthropic's "Model IDs and versions" page,
 * "On Google Cloud Vertex AI, the format matches the Claude API" from the 4.6
 * generation on; older models put the snapshot date after "@"
 * (claude-haiku-4-5@20251001). Prices: Anthropic's "Claude on Vertex AI"
 * page gives the global endpoint "no price premium" and the regional and
 * multi-region endpoints a premium, 10% (LiteLLM bills it as
 * regional_endpoint_uplift_multiplier 1.1, as llmenu's v0.8.0 notes quote
 * for Claude Haiku 5.5: 0.11 / 0.55). Residency: Google's "Data residency"
 * page says of jurisdictional multi-region endpoints that "ML processing stays
 * within that specific geographical region (such as ... the European Union)";
 * its model-by-model table lists Google's own models only, so for Claude the
 * guarantee rests on that sentence and on the model being served on `eu` at
 * all (a model that is not answers 404, a route failure). Claude Fable 5.1 has no EU route: Mythos-class
 * models on Bedrock run only with data shared with Anthropic, outside the
 * cloud's boundary (AWS, 2026-06-09), and no stored page says how Vertex
 * serves them.
 */
import type { ModelSpec } from "../model-spec";

export const ANTHROPIC_MODELS: readonly ModelSpec[] = [
  {
    id: "anthropic/claude-fable-5-1",
    provider: "anthropic",
    name: "Claude Fable 5.1",
    // Anthropic's top model ("Pricing": 10 / 50, cache hits 0.25; the Haiku 5.5
    // overview's comparison: 1M window, 128K out). Model id as the pricing
    // trackers use it (claudit, PromptFuel): the overview listing it was not
    // among the stored copies.
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "anthropic",
        upstreamModel: "claude-fable-5-1",
        region: "us",
        pricing: { prompt: 10, completion: 50, cachedPrompt: 0.25 },
      },
    ],
  },
  {
    id: "anthropic/claude-opus-5-5",
    provider: "anthropic",
    name: "Claude Opus 5.5",
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "vertex-eu",
        upstreamModel: "anthropic/claude-opus-5-5",
        region: "eu",
        pricing: { prompt: 4.4, completion: 22, cachedPrompt: 0.22 },
      },
      {
        endpoint: "anthropic",
        upstreamModel: "claude-opus-5-5",
        region: "us",
        pricing: { prompt: 4, completion: 20, cachedPrompt: 0.2 },
      },
    ],
  },
  {
    id: "anthropic/claude-sonnet-5-5",
    provider: "anthropic",
    name: "Claude Sonnet 5.5",
    // Sources disagree on the cache-read price: the stored "Claude Sonnet 5.5"
    // overview says 0.20; two trackers that re-read Anthropic's live pricing
    // page (claudit on 2026-10-24, PromptFuel) report a cut to 0.10 on
    // 2026-10-07. The later reading is used. No long-context premium.
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "vertex-eu",
        upstreamModel: "anthropic/claude-sonnet-5-5",
        region: "eu",
        pricing: { prompt: 2.2, completion: 11, cachedPrompt: 0.11 },
      },
      {
        endpoint: "anthropic",
        upstreamModel: "claude-sonnet-5-5",
        region: "us",
        pricing: { prompt: 2, completion: 10, cachedPrompt: 0.1 },
      },
    ],
  },
  {
    id: "anthropic/claude-haiku-5-5",
    provider: "anthropic",
    name: "Claude Haiku 5.5",
    // "Claude Haiku 5.5" overview (released 2026-10-07): 1M window, 128K out;
    // 0.10 / 0.50 for prompts up to 100,000 tokens, 0.50 / 2.50 for prompts
    // over 100,000 tokens. Cache reads 0.01 / 0.05 as Anthropic's API guides
    // quoted by apidog and claudit list them (the stored overview is cut off
    // before that line).
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "vertex-eu",
        upstreamModel: "anthropic/claude-haiku-5-5",
        region: "eu",
        pricing: {
          prompt: 0.11,
          completion: 0.55,
          cachedPrompt: 0.011,
          longContext: { aboveTokens: 100_000, prompt: 0.55, completion: 2.75, cachedPrompt: 0.055 },
        },
      },
      {
        endpoint: "anthropic",
        upstreamModel: "claude-haiku-5-5",
        region: "us",
        pricing: {
          prompt: 0.1,
          completion: 0.5,
          cachedPrompt: 0.01,
          longContext: { aboveTokens: 100_000, prompt: 0.5, completion: 2.5, cachedPrompt: 0.05 },
        },
      },
    ],
  },
  {
    // Legacy but available, no retirement date announced ("Claude Haiku 4.5" overview).
    id: "anthropic/claude-haiku-4-5",
    provider: "anthropic",
    name: "Claude Haiku 4.5",
    contextLength: 200_000,
    maxOutputTokens: 64_000,
    routes: [
      {
        endpoint: "vertex-eu",
        upstreamModel: "anthropic/claude-haiku-4-5@20251001",
        region: "eu",
        pricing: { prompt: 1.1, completion: 5.5, cachedPrompt: 0.11 },
      },
      {
        endpoint: "anthropic",
        upstreamModel: "claude-haiku-4-5",
        region: "us",
        pricing: { prompt: 1, completion: 5, cachedPrompt: 0.1 },
      },
    ],
  },
];
