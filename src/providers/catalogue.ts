/**
 * The model catalogue is data: providers rename and retire models often, so an
 * entry is a line to edit, not code. Prices are USD per million tokens as the
 * providers publish them; regions say where the provider processes requests
 * (Mistral is "eu" only through its EU endpoint, api.eu.mistral.ai, the
 * default MISTRAL_BASE_URL: the global api.mistral.ai gives no EU guarantee;
 * OpenAI processes in the US; the Gemini API gives no region guarantee, hence
 * "global"). maxOutputTokens is each provider's documented completion limit.
 */
import type { ModelEntry } from "./types";

export const CATALOGUE: readonly ModelEntry[] = [
  // OpenAI: the three entries are deprecated, shutting down on 2027-01-14 (OpenAI
  // "Deprecations" page, notice of 2026-10-14) and must leave by then. Their
  // limits and prices were not re-checked here. The recommended replacement,
  // gpt-6-luna ("GPT-6 Luna" model page: 1,050,000 / 128,000 tokens, 0.10 /
  // 0.50, cached 0.01), is not listed yet: its price doubles for prompts over
  // 272k tokens, which a flat price cannot bill exactly; gpt-6.1-sol's page
  // could not be read.
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
  // Mistral: the -latest aliases follow Mistral's current model of each size;
  // limits and prices were not re-checked here.
  {
    id: "mistral/mistral-small-latest",
    provider: "mistral",
    upstreamModel: "mistral-small-latest",
    name: "Mistral Small",
    contextLength: 128_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 0.1, completion: 0.3 },
    region: "eu",
  },
  {
    id: "mistral/mistral-medium-latest",
    provider: "mistral",
    upstreamModel: "mistral-medium-latest",
    name: "Mistral Medium",
    contextLength: 128_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 0.4, completion: 2 },
    region: "eu",
  },
  {
    id: "mistral/mistral-large-latest",
    provider: "mistral",
    upstreamModel: "mistral-large-latest",
    name: "Mistral Large",
    contextLength: 128_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 2, completion: 6 },
    region: "eu",
  },
  // Anthropic: Claude Sonnet 4.5 was retired on 2026-11-30 (Anthropic "Model
  // deprecations"). Limits and prices from each model's overview page on
  // platform.claude.com; cachedPrompt is the cache-read price (cache writes
  // are billed at the prompt price). Not listed: Claude Haiku 5.5, whose price
  // depends on prompt length (5x above 100k tokens), which a flat price cannot
  // bill exactly, and Claude Fable, whose current version could not be confirmed.
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
    contextLength: 1_000_000,
    maxOutputTokens: 128_000,
    pricing: { prompt: 2, completion: 10, cachedPrompt: 0.2 },
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
  {
    id: "google/gemini-4-argon",
    provider: "google",
    upstreamModel: "gemini-4-argon",
    name: "Gemini 4 Argon",
    // Gemini API "Using the latest Gemini models": one 1M-token limit for input
    // and output together, decoding up to 1M tokens; 4 / 20 from 2026-12-01
    // (after the 2 / 10 launch price). Cached input 0.20 as LiteLLM's launch
    // note reports it (not confirmed on Google's pricing page). Whether prompts
    // over 200k tokens cost more could not be confirmed.
    contextLength: 1_048_576,
    maxOutputTokens: 1_048_576,
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
    // 7.50 on 2027-01-01, as LiteLLM's launch note reports them (Google's
    // pricing page could not be read to confirm): update this entry then.
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
