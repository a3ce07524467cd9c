/**
 * Embedding models (POST /v1/embeddings only; `embedding` marks them). Their
 * contextLength is the most tokens one input may have; prices are per million
 * input tokens (no completion). Anthropic publishes no embedding model.
 *
 * EU routes, each checked against the provider's own document:
 * - `openai-eu`: none. OpenAI's "Data residency for the OpenAI API" (help
 *   center) lists the endpoints and models eligible for European processing;
 *   the stored copy's table is cut off after /v1/batches and does not show
 *   /v1/embeddings, and the catalogue gives a model this route only once the
 *   table is shown to list it (see catalogue/openai.ts). An operator who
 *   confirms it adds the route with a catalogue update (same prices: the 10%
 *   uplift applies only to models released on or after 2026-03-05).
 * - `azure-eu`: Microsoft's Standard (regional) embeddings matrix
 *   (azure-ai-docs, model-matrix/standard-embeddings.md) has
 *   text-embedding-3-large in francecentral, polandcentral, spaincentral and
 *   swedencentral (EU member states) and text-embedding-3-small in none of
 *   them (only switzerlandnorth and norwayeast in Europe, outside the EU);
 *   no embedding model is in the Data Zone Standard matrix. A regional
 *   Standard deployment processes in its region, so -large has the route and
 *   -small has none. Azure's price is taken as OpenAI's (its pricing page was
 *   not among the stored copies: check against Azure's retail price list).
 * - `mistral-eu`: Mistral's regional EU endpoint (endpoints.ts); its
 *   embeddings API (docs.mistral.ai/api/endpoint/embeddings) is on it.
 * - `vertex-eu`: Vertex AI's "Data residency" page lists Gemini Embeddings
 *   (gemini-embedding-001) in its multi-region table (US and EU multi-region).
 */
import type { ModelSpec } from "../model-spec";

export const EMBEDDING_MODELS: readonly ModelSpec[] = [
  {
    id: "openai/text-embedding-3-small",
    provider: "openai",
    name: "text-embedding-3-small",
    // OpenAI's model page: 1,536 dimensions (fewer on request: `dimensions`),
    // 8,192 input tokens, $0.02 per million tokens.
    contextLength: 8_192,
    embedding: { dimensions: 1_536, minDimensions: 1 },
    routes: [{ endpoint: "openai", upstreamModel: "text-embedding-3-small", region: "us", pricing: { prompt: 0.02, completion: 0 } }],
  },
  {
    id: "openai/text-embedding-3-large",
    provider: "openai",
    name: "text-embedding-3-large",
    // OpenAI's model page: 3,072 dimensions, 8,192 input tokens, $0.13 per million tokens.
    contextLength: 8_192,
    embedding: { dimensions: 3_072, minDimensions: 1 },
    routes: [
      { endpoint: "azure-eu", upstreamModel: "text-embedding-3-large", region: "eu", pricing: { prompt: 0.13, completion: 0 } },
      { endpoint: "openai", upstreamModel: "text-embedding-3-large", region: "us", pricing: { prompt: 0.13, completion: 0 } },
    ],
  },
  {
    id: "mistral/mistral-embed",
    provider: "mistral",
    name: "Mistral Embed",
    // Mistral's "Text Embeddings" page: 1,024 dimensions "regardless of the
    // text length" (its `output_dimension` is for codestral-embed, so the
    // size is fixed); 8,192 input tokens; $0.10 per million tokens.
    contextLength: 8_192,
    embedding: { dimensions: 1_024 },
    routes: [
      { endpoint: "mistral-eu", upstreamModel: "mistral-embed", region: "eu", pricing: { prompt: 0.1, completion: 0 } },
      { endpoint: "mistral-global", upstreamModel: "mistral-embed", region: "global", pricing: { prompt: 0.1, completion: 0 } },
    ],
  },
  {
    id: "google/gemini-embedding-001",
    provider: "google",
    name: "Gemini Embedding",
    // Google's embeddings guide: 3,072 dimensions, outputDimensionality from
    // 128 (768 and 1,536 recommended), 2,048 input tokens; $0.15 per million
    // input tokens on the Gemini API and on Vertex AI.
    contextLength: 2_048,
    embedding: { dimensions: 3_072, minDimensions: 128 },
    routes: [
      { endpoint: "vertex-eu", upstreamModel: "google/gemini-embedding-001", region: "eu", pricing: { prompt: 0.15, completion: 0 } },
      { endpoint: "google", upstreamModel: "gemini-embedding-001", region: "global", pricing: { prompt: 0.15, completion: 0 } },
    ],
  },
];
