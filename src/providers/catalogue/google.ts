/**
 * Google: gemini-2.5-pro and gemini-2.5-flash were shut down on 2026-12-01
 * (Gemini API "Deprecations": replacements gemini-3.8-flash and
 * gemini-3.5-flash-lite). gemini-3.1-pro-preview is a preview (retired at
 * short notice) and not listed. The Gemini 4 family is current: Carbon
 * (strongest reasoning), Argon (everyday default), Neon, Hydrogen.
 * Google's "Pricing" page (as transcribed on 2026-10-07, before Gemini 4 was
 * on it) splits prices at 200k-token prompts only for its Pro models (3.1 Pro
 * Preview, 2.5 Pro); the Flash and Flash-Lite rows have one price. No Gemini 4
 * launch note names a long-context price. So no entry below has a
 * long-context tier.
 *
 * No EU route yet. Vertex AI's `eu` multi-region guarantees in-region
 * processing only for the model/location pairs its "Data residency" page
 * lists (docs.cloud.google.com/vertex-ai/generative-ai/docs/learn/data-residency),
 * and the stored copies of that page list Gemini 2.0 and 2.5 models only:
 * none of the models below. Once the page lists one, its route is
 * `{endpoint: "vertex-eu", upstreamModel: "google/<id>", region: "eu"}`,
 * first, priced as Vertex prices that location.
 */
import type { ModelSpec } from "../model-spec";

export const GOOGLE_MODELS: readonly ModelSpec[] = [
  {
    id: "google/gemini-4-argon",
    provider: "google",
    name: "Gemini 4 Argon",
    // Gemini API "Using the latest Gemini models": one 1M-token limit for input
    // and output together; 4 / 20 from 2026-12-01 (after the 2 / 10 launch
    // price), no long-context price named. Output: one request generates at
    // most 65,536 tokens (32,768 for a non-streaming HTTP call), "Gemini 4
    // Argon developer guide"; the 1M "long decode" needs continuation requests,
    // which the router does not make. Cached input 0.20 as LiteLLM's launch
    // note reports it (not confirmed on Google's pricing page).
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "google",
        upstreamModel: "gemini-4-argon",
        region: "global",
        pricing: { prompt: 4, completion: 20, cachedPrompt: 0.2 },
      },
    ],
  },
  // Gemini 4 Carbon, Neon and Hydrogen (released 2026-11-10 to 11-18): each
  // has one 1,048,576-token limit for input and output together and, like
  // Argon, generates at most 65,536 tokens in one request; none has a
  // long-context price (Hydrogen's is "flat across the 1M-token context
  // window", LiteLLM's launch note). Their Google model pages were not among
  // the stored copies: prices as the launch guides quoting Google list them.
  {
    id: "google/gemini-4-carbon",
    provider: "google",
    name: "Gemini 4 Carbon",
    // "Gemini 4 Carbon developer guide" (Google Cloud): 1,048,576 unified
    // limit, 65,536 per streamed segment (32,768 not streamed). Google's
    // strongest reasoning model; 4 / 20 from 2026-12-01 like Argon (apidog,
    // LaoZhang); cached 0.20 as WaveSpeed lists it.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "google",
        upstreamModel: "gemini-4-carbon",
        region: "global",
        pricing: { prompt: 4, completion: 20, cachedPrompt: 0.2 },
      },
    ],
  },
  {
    id: "google/gemini-4-neon",
    provider: "google",
    name: "Gemini 4 Neon",
    // apidog's "Gemini 4 Neon API" guide, from Google's docs: 1,048,576
    // shared window, 65,536 output per call; 3 / 15, cached 0.15.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "google",
        upstreamModel: "gemini-4-neon",
        region: "global",
        pricing: { prompt: 3, completion: 15, cachedPrompt: 0.15 },
      },
    ],
  },
  {
    id: "google/gemini-4-hydrogen",
    provider: "google",
    name: "Gemini 4 Hydrogen",
    // Google's suggested upgrade from Gemini 3.8 Flash (LaoZhang). apidog's
    // "Gemini 4 Hydrogen API" guide: 1,048,576 shared window, 65,536 output
    // per call; 1.50 / 7.50, cached 0.075.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "google",
        upstreamModel: "gemini-4-hydrogen",
        region: "global",
        pricing: { prompt: 1.5, completion: 7.5, cachedPrompt: 0.075 },
      },
    ],
  },
  {
    id: "google/gemini-3.8-flash",
    provider: "google",
    name: "Gemini 3.8 Flash",
    // Limits: 1,048,576 in / 65,536 out, as on Google's Gemini 3.7 Flash page
    // (the model it replaced) and in LiteLLM's launch note for 3.8. Prices are
    // Google's launch prices, valid until 2026-12-31 and doubling to 1.50 /
    // 7.50 on 2027-01-01 (Google's "Pricing" page as transcribed on
    // 2026-10-07): update this entry then. Cached 0.075 as LiteLLM's launch
    // note reports it.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "google",
        upstreamModel: "gemini-3.8-flash",
        region: "global",
        pricing: { prompt: 0.75, completion: 3.75, cachedPrompt: 0.075 },
      },
    ],
  },
  {
    id: "google/gemini-3.5-flash-lite",
    provider: "google",
    name: "Gemini 3.5 Flash-Lite",
    // Gemini API "Using the latest Gemini models": "1M" context, "64k" output
    // (taken as 1,048,576 / 65,536, Google's usual figures), 0.30 / 2.50. Its
    // cached-input price could not be confirmed, so cached tokens are billed
    // at the prompt price.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "google",
        upstreamModel: "gemini-3.5-flash-lite",
        region: "global",
        pricing: { prompt: 0.3, completion: 2.5 },
      },
    ],
  },
];
