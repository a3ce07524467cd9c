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
  {
    id: "anthropic/claude-sonnet-4-5",
    provider: "anthropic",
    upstreamModel: "claude-sonnet-4-5",
    name: "Claude Sonnet 4.5",
    contextLength: 200_000,
    maxOutputTokens: 64_000,
    pricing: { prompt: 3, completion: 15, cachedPrompt: 0.3 },
    region: "us",
  },
  {
    id: "anthropic/claude-haiku-4-5",
    provider: "anthropic",
    upstreamModel: "claude-haiku-4-5",
    name: "Claude Haiku 4.5",
    contextLength: 200_000,
    maxOutputTokens: 64_000,
    pricing: { prompt: 1, completion: 5, cachedPrompt: 0.1 },
    region: "us",
  },
  {
    id: "google/gemini-2.5-flash",
    provider: "google",
    upstreamModel: "gemini-2.5-flash",
    name: "Gemini 2.5 Flash",
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { prompt: 0.3, completion: 2.5, cachedPrompt: 0.03 },
    region: "global",
  },
  {
    id: "google/gemini-2.5-pro",
    provider: "google",
    upstreamModel: "gemini-2.5-pro",
    name: "Gemini 2.5 Pro",
    // Prices for prompts up to 200k tokens; longer prompts cost more upstream.
    contextLength: 1_048_576,
    maxOutputTokens: 65_536,
    pricing: { prompt: 1.25, completion: 10, cachedPrompt: 0.125 },
    region: "global",
  },
];

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));

export function findModel(id: string): ModelEntry | undefined {
  return BY_ID.get(id);
}
