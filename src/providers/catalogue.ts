/**
 * The model catalogue is data: providers rename and retire models often, so an
 * entry is a line to edit, not code. Prices are USD per million tokens as the
 * providers publish them; regions say where the provider processes requests
 * (Mistral is "eu" only through its EU endpoint, api.eu.mistral.ai, the
 * default MISTRAL_BASE_URL: the global api.mistral.ai gives no EU guarantee;
 * OpenAI processes in the US; the Gemini API gives no region guarantee, hence
 * "global"). maxOutputTokens is the most one request can generate, as each
 * provider documents it. pricing.longContext holds the higher prices a model
 * charges for the whole request once its prompt passes a threshold.
 */
import type { ModelEntry } from "./types";

export const CATALOGUE: readonly ModelEntry[] = [
  // OpenAI. Current lineup ("Models" page, after the 2026-11-17 release of
  // GPT-6.2): GPT-6.2 Astra, GPT-6.2 Sol, GPT-6.1 Terra, GPT-6 Luna. Every GPT-6
  // model has a 1,050,000-token window (922,000 in, 128,000 out) and, per each
  // model page, "for requests with more than 272K input tokens, input and cache
  // rates double and output costs 1.5 times the short-context rate for the full
  // request": 272K read as 272,000, as the trackers that bill it do.
  {
    id: "openai/gpt-6.2-astra",
    provider: "openai",
    upstreamModel: "gpt-6.2-astra",
    name: "GPT-6.2 Astra",
    // "Models" page: 8 / 40, 128K out, 1.05M window. The cached price (0.40) is
    // from third-party trackers (TokenMeter, AgentCompass release notes), not a
    // stored copy of OpenAI's GPT-6.2 Astra page; the 272K rule is OpenAI's
    // for every GPT-6 model.
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    pricing: {
      prompt: 8,
      completion: 40,
      cachedPrompt: 0.4,
      longContext: { aboveTokens: 272_000, prompt: 16, completion: 60, cachedPrompt: 0.8 },
    },
    region: "us",
  },
  {
    id: "openai/gpt-6.2-sol",
    provider: "openai",
    upstreamModel: "gpt-6.2-sol",
    name: "GPT-6.2 Sol",
    // "GPT-6.2 Sol" model page: 1,050,000 / 128,000; 2 / 10, cached 0.10.
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    pricing: {
      prompt: 2,
      completion: 10,
      cachedPrompt: 0.1,
      longContext: { aboveTokens: 272_000, prompt: 4, completion: 15, cachedPrompt: 0.2 },
    },
    region: "us",
  },
  {
    id: "openai/gpt-6.1-terra",
    provider: "openai",
    upstreamModel: "gpt-6.1-terra",
    name: "GPT-6.1 Terra",
    // "Models" page: 1 / 5, 128K out, 1.05M window. Cached 0.05 and the
    // long-context rates (2 / 7.50 / 0.10) as LiteLLM's launch note lists them
    // (OpenAI's GPT-6.1 Terra page was not among the stored copies).
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    pricing: {
      prompt: 1,
      completion: 5,
      cachedPrompt: 0.05,
      longContext: { aboveTokens: 272_000, prompt: 2, completion: 7.5, cachedPrompt: 0.1 },
    },
    region: "us",
  },
  {
    id: "openai/gpt-6-luna",
    provider: "openai",
    upstreamModel: "gpt-6-luna",
    name: "GPT-6 Luna",
    // "GPT-6 Luna" model page: 1,050,000 / 128,000; 0.10 / 0.50, cached 0.01.
    // Chat Completions takes function calling only with reasoning_effort "none"
    // (same page).
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    pricing: {
      prompt: 0.1,
      completion: 0.5,
      cachedPrompt: 0.01,
      longContext: { aboveTokens: 272_000, prompt: 0.2, completion: 0.75, cachedPrompt: 0.02 },
    },
    region: "us",
  },
  // Deprecated, still served until their shutdown on 2027-01-14 (OpenAI
  // "Deprecations" page, notice of 2026-10-14; replacement gpt-6-luna): remove
  // these three entries by then. Limits and prices as OpenAI published them at
  // launch; no stored copy of their model pages was re-read.
  {
    id: "openai/gpt-4o-mini",
    provider: "openai",
    upstreamModel: "gpt-4o-mini",
    name: "GPT-4o mini",
    contextLength: 128_000,
    maxOutputTokens: 16_384,
    pricing: { prompt: 0.15, completion: 0.6, cachedPrompt: 0.075 },
    region: "us",
  },
  {
    id: "openai/gpt-4.1",
    provider: "openai",
    upstreamModel: "gpt-4.1",
    name: "GPT-4.1",
    contextLength: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { prompt: 2, completion: 8, cachedPrompt: 0.5 },
    region: "us",
  },
  {
    id: "openai/gpt-4.1-mini",
    provider: "openai",
    upstreamModel: "gpt-4.1-mini",
    name: "GPT-4.1 mini",
    contextLength: 1_047_576,
    maxOutputTokens: 32_768,
    pricing: { prompt: 0.4, completion: 1.6, cachedPrompt: 0.1 },
    region: "us",
  },
  // Mistral: each -latest alias follows Mistral's current model of its size.
  // Mistral publishes no output limit for them (its model cards give only the
  // context length), so the context length bounds the output. No
  // long-context prices. Mistral's own pricing page was not among the stored
  // copies: the sources are named per entry.
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
  // Anthropic: Claude Sonnet 4.5 was retired on 2026-11-30 (Anthropic "Model
  // deprecations"). Limits and prices from each model's overview page on
  // platform.claude.com and Anthropic's "Pricing" page; cachedPrompt is the
  // cache-read price (cache writes are billed at the prompt price). Anthropic's
  // prompt length counts input, cache reads and cache writes, as the router's
  // prompt tokens do.
  {
    id: "anthropic/claude-fable-5-1",
    provider: "anthropic",
    upstreamModel: "claude-fable-5-1",
    name: "Claude Fable 5.1",
    // Anthropic's top model ("Pricing": 10 / 50, cache hits 0.25; the Haiku 5.5
    // overview's comparison: 1M window, 128K out). Model id as the pricing
    // trackers use it (claudit, PromptFuel): the overview listing it was not
    // among the stored copies.
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 10, completion: 50, cachedPrompt: 0.25 },
    region: "us",
  },
  {
    id: "anthropic/claude-opus-5-5",
    provider: "anthropic",
    upstreamModel: "claude-opus-5-5",
    name: "Claude Opus 5.5",
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 4, completion: 20, cachedPrompt: 0.2 },
    region: "us",
  },
  {
    id: "anthropic/claude-sonnet-5-5",
    provider: "anthropic",
    upstreamModel: "claude-sonnet-5-5",
    name: "Claude Sonnet 5.5",
    // Sources disagree on the cache-read price: the stored "Claude Sonnet 5.5"
    // overview says 0.20; two trackers that re-read Anthropic's live pricing
    // page (claudit on 2026-10-24, PromptFuel) report a cut to 0.10 on
    // 2026-10-07. The later reading is used. No long-context premium.
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 2, completion: 10, cachedPrompt: 0.1 },
    region: "us",
  },
  {
    id: "anthropic/claude-haiku-5-5",
    provider: "anthropic",
    upstreamModel: "claude-haiku-5-5",
    name: "Claude Haiku 5.5",
    // "Claude Haiku 5.5" overview (released 2026-10-07): 1M window, 128K out;
    // 0.10 / 0.50 for prompts up to 100,000 tokens, 0.50 / 2.50 for prompts
    // over 100,000 tokens. Cache reads 0.01 / 0.05 as Anthropic's API guides
    // quoted by apidog and claudit list them (the stored overview is cut off
    // before that line).
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: {
      prompt: 0.1,
      completion: 0.5,
      cachedPrompt: 0.01,
      longContext: { aboveTokens: 100_000, prompt: 0.5, completion: 2.5, cachedPrompt: 0.05 },
    },
    region: "us",
  },
  {
    // Legacy but available, no retirement date announced ("Claude Haiku 4.5" overview).
    id: "anthropic/claude-haiku-4-5",
    provider: "anthropic",
    upstreamModel: "claude-haiku-4-5",
    name: "Claude Haiku 4.5",
    contextLength: 200_000,
    maxOutputTokens: 64_000,
    pricing: { prompt: 1, completion: 5, cachedPrompt: 0.1 },
    region: "us",
  },
  // Google: gemini-2.5-pro and gemini-2.5-flash were shut down on 2026-12-01
  // (Gemini API "Deprecations": replacements gemini-3.8-flash and
  // gemini-3.5-flash-lite). gemini-3.1-pro-preview is a preview (retired at
  // short notice) and not listed; Gemini 4 Argon is Google's current top model.
  // Google's "Pricing" page (as transcribed on 2026-10-07) splits prices at
  // 200k-token prompts only for its Pro models (3.1 Pro Preview, 2.5 Pro); the
  // Flash and Flash-Lite rows have one price, so no entry below has a
  // long-context tier.
  {
    id: "google/gemini-4-argon",
    provider: "google",
    upstreamModel: "gemini-4-argon",
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
    pricing: { prompt: 4, completion: 20, cachedPrompt: 0.2 },
    region: "global",
  },
  {
    id: "google/gemini-3.8-flash",
    provider: "google",
    upstreamModel: "gemini-3.8-flash",
    name: "Gemini 3.8 Flash",
    // Limits: 1,048,576 in / 65,536 out, as on Google's Gemini 3.7 Flash page
    // (the model it replaced) and in LiteLLM's launch note for 3.8. Prices are
    // Google's launch prices, valid until 2026-12-31 and doubling to 1.50 /
    // 7.50 on 2027-01-01 (Google's "Pricing" page as transcribed on
    // 2026-10-07): update this entry then. Cached 0.075 as LiteLLM's launch
    // note reports it.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { prompt: 0.75, completion: 3.75, cachedPrompt: 0.075 },
    region: "global",
  },
  {
    id: "google/gemini-3.5-flash-lite",
    provider: "google",
    upstreamModel: "gemini-3.5-flash-lite",
    name: "Gemini 3.5 Flash-Lite",
    // Gemini API "Using the latest Gemini models": "1M" context, "64k" output
    // (taken as 1,048,576 / 65,536, Google's usual figures), 0.30 / 2.50. Its
    // cached-input price could not be confirmed, so cached tokens are billed
    // at the prompt price.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { prompt: 0.3, completion: 2.5 },
    region: "global",
  },
];

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));

export function findModel(id: string): ModelEntry | undefined {
  return BY_ID.get(id);
}
