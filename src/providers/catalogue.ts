/**
 * The seed catalogue: every public model and its routes, in code. It is what
 * the router serves until an operator publishes an update (src/routing/
 * catalogue-store.ts), and what it falls back to. Providers rename and
 * retire models often, so an entry is a line to edit, not code. Prices are
 * USD per million tokens as the providers publish them, per route (an
 * EU-hosted endpoint may charge more); each route's region is where its
 * endpoint processes requests (src/providers/endpoints.ts cites the
 * providers' documents). EU-hosted routes come first: they need no consent.
 * maxOutputTokens is the most one request can generate, as each provider
 * documents it. pricing.longContext holds the higher prices a model charges
 * for the whole request once its prompt passes a threshold.
 */
import { ANTHROPIC_MODELS } from "./catalogue/anthropic";
import { EMBEDDING_MODELS } from "./catalogue/embeddings";
import { GOOGLE_MODELS } from "./catalogue/google";
import { MISTRAL_MODELS } from "./catalogue/mistral";
import { OPENAI_MODELS } from "./catalogue/openai";
import { toModelEntry } from "./model-spec";
import type { ModelEntry } from "./types";

/** Listing order: OpenAI, Mistral, Anthropic, Google, then the embedding models. Sources are named next to each entry. */
export const SEED_SPECS = [...OPENAI_MODELS, ...MISTRAL_MODELS, ...ANTHROPIC_MODELS, ...GOOGLE_MODELS, ...EMBEDDING_MODELS];

export const CATALOGUE: readonly ModelEntry[] = SEED_SPECS.map(toModelEntry);

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));

export function findModel(id: string): ModelEntry | undefined {
  return BY_ID.get(id);
}
