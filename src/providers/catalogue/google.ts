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
 * EU routes: Vertex AI's `eu` multi-region (aiplatform.eu.rep.googleapis.com)
 * guarantees in-region ML processing only for the model/location pairs its
 * "Data residency" page lists. Its newest stored copy
 * (docs.cloud.google.com/gemini-enterprise-agent-platform/resources/data-residency,
 * Vertex AI's new name) lists Gemini 3.5 Flash and Gemini 3.1 Flash-Lite
 * above the 2.5 models, in a table whose first columns are the US and EU
 * multi-regions; the stored text lost the table's tick marks, so the EU tick
 * is read from Google's "Developer's guide to Gemini 3.5 Flash" (both served
 * on the multi-regions) and from SDK issues that use them on `eu`
 * (epam/ai-dial-adapter-vertexai#471, n8n-io/n8n#33135). None of the models
 * above is on that page, so they have no EU route. The Gemini 2.5 models are
 * on it but not added: Vertex's "Model versions" page retires all three on
 * 2026-10-16 ("may be extended, won't be moved to an earlier date"), and no
 * stored page confirms they are still served.
 * Vertex prices: Google bills every non-global Vertex location 1.1x the
 * global price since July 2026 (LiteLLM's regional_endpoint_uplift_multiplier,
 * BerriAI/litellm#37543); Google's own pricing page with the figure was not
 * among the stored copies.
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
  {
    id: "google/gemini-3.5-flash",
    provider: "google",
    name: "Gemini 3.5 Flash",
    // Vertex "Developer's guide to Gemini 3.5 Flash": GA, 1,048,576 context,
    // 65,536 output, thinking levels minimal to high. Vertex "Model versions":
    // released 2026-05-19, retired "May 19, 2027 or later". 1.50 / 9.00 (Gemini
    // API pricing, transcribed 2026-10-07), cached 0.15 as Zoo-Code's Vertex
    // table lists it; EU at 1.1x. No Gemini API route: there
    // gemini-3.5-flash is deprecated and "automatically routed to
    // gemini-3.6-flash", a different model.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "vertex-eu",
        upstreamModel: "google/gemini-3.5-flash",
        region: "eu",
        pricing: { prompt: 1.65, completion: 9.9, cachedPrompt: 0.165 },
      },
    ],
  },
  {
    id: "google/gemini-3.1-flash-lite",
    provider: "google",
    name: "Gemini 3.1 Flash-Lite",
    // Vertex model page and 3.5 Flash guide: GA, 1,048,576 context, 65,536
    // output, regions "Global, Multi-region", thinking levels minimal to high.
    // Vertex "Model versions": retired "May 7, 2027 or later"; the Gemini API's
    // "Deprecations" gives the same earliest shutdown. 0.25 / 1.50, cached
    // 0.025 as the price trackers list it for Vertex and the Gemini API
    // (cloudprice.net, APIYI; Google's pricing row was not among the stored
    // copies); EU at 1.1x.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    routes: [
      {
        endpoint: "vertex-eu",
        upstreamModel: "google/gemini-3.1-flash-lite",
        region: "eu",
        pricing: { prompt: 0.275, completion: 1.65, cachedPrompt: 0.0275 },
      },
      {
        endpoint: "google",
        upstreamModel: "gemini-3.1-flash-lite",
        region: "global",
        pricing: { prompt: 0.25, completion: 1.5, cachedPrompt: 0.025 },
      },
    ],
  },
];
