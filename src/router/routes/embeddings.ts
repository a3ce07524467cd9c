/**
 * POST /v1/embeddings: OpenAI's Embeddings API for the catalogue's embedding
 * models, on every route that serves them (OpenAI, Azure OpenAI, Mistral,
 * the Gemini API, Vertex AI), answered in OpenAI's shape (float or base64).
 * The same auth, routing (EU rules, fallback between routes and `models`),
 * limits, logging and billing as chat: the limiter reserves the inputs'
 * estimated tokens and no completion; the call is billed at the route's
 * prompt price for the input tokens the provider reports, or the router's
 * count (marked estimated) where it reports none (the Gemini API).
 */
import { Hono } from "hono";
import { estimateTextTokens } from "../../providers/count-tokens";
import { embeddingRequestSchema, inputsOf, MAX_EMBEDDING_INPUTS, MAX_EMBEDDING_REQUEST_TOKENS, type EmbeddingRequest } from "../../providers/embeddings/schema";
import { EMBEDDERS } from "../../providers/embeddings/registry";
import { embeddingsResponse } from "../../providers/embeddings/response";
import type { CallOutcome, ChatResult, ModelEntry } from "../../providers/types";
import { currentCatalogue } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import { runModelCall } from "../call";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { readModelRequest } from "../model-request";

/**
 * The bounds OpenAI applies, checked before anything goes upstream, against
 * every model the request may use: `dimensions` only where the model takes
 * it, each input within the model's input limit, and the request's total
 * within 300,000 tokens. Token counts are the router's estimate (~4
 * characters per token), the one the limiter reserves. Returns that total.
 */
function checkBounds(request: EmbeddingRequest, inputs: readonly string[], models: readonly ModelEntry[]): number {
  const counts = inputs.map((text) => estimateTextTokens(text.length));
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > MAX_EMBEDDING_REQUEST_TOKENS) {
    throw errors.invalidRequest(`Requested about ${total} tokens across the inputs; at most ${MAX_EMBEDDING_REQUEST_TOKENS} are allowed per request.`, "input", "too_many_tokens");
  }
  for (const model of models) {
    const { dimensions, minDimensions } = model.embedding!;
    const asked = request.dimensions;
    if (asked !== undefined && asked !== dimensions && (minDimensions === undefined || asked < minDimensions || asked > dimensions)) {
      const allowed = minDimensions === undefined ? `its size is fixed at ${dimensions}` : `it takes ${minDimensions} to ${dimensions}`;
      throw errors.invalidRequest(`'dimensions' ${asked} is not supported by the model '${model.id}': ${allowed}.`, "dimensions", "unsupported_value");
    }
    const longest = counts.findIndex((n) => n > model.contextLength);
    if (longest !== -1) {
      throw errors.invalidRequest(
        `Input ${longest} has about ${counts[longest]} tokens; the model '${model.id}' takes at most ${model.contextLength} tokens per input.`,
        typeof request.input === "string" ? "input" : `input[${longest}]`,
        "context_length_exceeded",
      );
    }
  }
  return total;
}

export const embeddingsRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference", { visitsLimiter: true }), async (c) => {
  const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
  // The list bound readModelRequest checks before parsing is for `messages`, which this schema refuses anyway.
  const { body: request, models } = await readModelRequest(c.req.raw, embeddingRequestSchema, MAX_EMBEDDING_INPUTS, catalogue, { listField: "input", kind: "embedding" });
  const inputs = inputsOf(request);
  const estimate = checkBounds(request, inputs, models);
  const encoding = request.encoding_format ?? "float";
  const call = { catalogue, models, prefs: request.provider, streamed: false, maxOutput: null, reserve: () => ({ promptTokens: estimate, completionTokens: 0 }) };
  return runModelCall(c, call, async (candidate): Promise<ChatResult> => {
    const embedder = EMBEDDERS[candidate.endpoint.wire];
    // The catalogue refuses an embedding model on such a route (catalogue-document.ts).
    if (!embedder) throw errors.upstream(`The ${candidate.endpoint.label} endpoint serves no embeddings.`, "provider_not_configured");
    const own = candidate.model.embedding!.dimensions;
    const { vectors, promptTokens, firstByteAt } = await embedder.embed({
      inputs,
      // A model's own size is not asked for: a model of fixed size may refuse the field (Mistral's output_dimension).
      dimensions: request.dimensions !== undefined && request.dimensions !== own ? request.dimensions : null,
      user: request.user,
      route: candidate.route,
      config: candidate.config,
      label: candidate.endpoint.label,
      requestId: c.get("requestId"),
      clientSignal: c.req.raw.signal,
    });
    const size = request.dimensions ?? own;
    if (vectors.some((v) => v.length !== size)) {
      throw errors.upstream(`The ${candidate.endpoint.label} API returned embeddings of another size than ${size}.`, "upstream_invalid_response");
    }
    const prompt = promptTokens ?? estimate;
    const outcome: CallOutcome = {
      usage: { promptTokens: prompt, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
      result: "completed",
      firstByteAt,
      ...(promptTokens === null ? { usageEstimated: true } : {}),
    };
    const body = JSON.stringify(embeddingsResponse(vectors, candidate.model.id, prompt, encoding));
    return { response: new Response(body, { status: 200, headers: { "content-type": "application/json" } }), outcome: Promise.resolve(outcome) };
  });
});
