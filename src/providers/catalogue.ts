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
import { ANTHROPIC_MODELS } from "./catalogue/anthropic";
import { GOOGLE_MODELS } from "./catalogue/google";
import { MISTRAL_MODELS } from "./catalogue/mistral";
import { OPENAI_MODELS } from "./catalogue/openai";
import type { ModelEntry } from "./types";

/** Listing order: OpenAI, Mistral, Anthropic, Google. Sources are named next to each entry. */
export const CATALOGUE: readonly ModelEntry[] = [...OPENAI_MODELS, ...MISTRAL_MODELS, ...ANTHROPIC_MODELS, ...GOOGLE_MODELS];

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));

export function findModel(id: string): ModelEntry | undefined {
  return BY_ID.get(id);
}
