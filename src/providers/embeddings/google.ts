/**
 * Google's embedding models, on the Gemini API and on Vertex AI.
 *
 * Gemini API: `POST /v1beta/models/{m}:batchEmbedContents` with one
 * EmbedContentRequest per text (`model: "models/{m}"`, `content.parts[].text`,
 * `outputDimensionality`), answered with `embeddings[].values` in the
 * requests' order. It takes at most 100 requests per call (larger batches go
 * in several calls) and reports no token usage: the router counts it
 * (routes/embeddings.ts marks such usage estimated).
 *
 * Vertex AI: `…/publishers/google/models/{m}:predict` with `instances:
 * [{content}]` and `parameters: {outputDimensionality, autoTruncate: false}`
 * (an over-long text is an error, as on OpenAI, not silently cut), answered
 * with `predictions[].embeddings.{values, statistics.token_count}`: exact
 * usage. Google's "Get text embeddings" page allows one text per request for
 * gemini-embedding-001 (up to 250 for the text-embedding models), so a batch
 * is one request per text, at most 100 of them (a Worker's subrequests are
 * counted), 4 at a time.
 */
import { z } from "zod";
import { errors } from "../../shared/errors";
import { geminiError } from "../google/errors";
import { bearerHeader } from "../vertex/auth";
import { publisherModel, vertexPath } from "../vertex/paths";
import type { Embedder } from "./types";
import { inSlices, notOnePerInput, postForJson } from "./upstream-json";

const GEMINI_BATCH = 100;
/** Requests of one call under way at once: Workers keep at most 6 connections open per request. */
const PARALLEL = 4;
/** Most texts a Vertex route takes in one call when each needs its own request. */
export const VERTEX_ONE_BY_ONE_MAX = 100;

const vector = z.array(z.number());
const batchSchema = z.object({ embeddings: z.array(z.object({ values: vector })) });
const predictSchema = z.object({
  predictions: z.array(z.object({ embeddings: z.object({ values: vector, statistics: z.object({ token_count: z.number().nonnegative() }).optional() }) })),
});

export const geminiEmbedder: Embedder = {
  async embed(call) {
    const model = call.route.upstreamModel;
    let firstByteAt = 0;
    const vectors = await inSlices(call.inputs, GEMINI_BATCH, PARALLEL, async (texts) => {
      const { json, firstByteAt: at } = await postForJson({
        config: call.config,
        // The model name comes from the catalogue; it is URL-safe by construction, encoded anyway.
        path: `/v1beta/models/${encodeURIComponent(model)}:batchEmbedContents`,
        headers: { "x-goog-api-key": call.config.apiKey ?? "" },
        body: {
          requests: texts.map((text) => ({
            model: `models/${model}`,
            content: { parts: [{ text }] },
            ...(call.dimensions !== null ? { outputDimensionality: call.dimensions } : {}),
          })),
        },
        label: call.label,
        clientSignal: call.clientSignal,
        schema: batchSchema,
        toError: (res) => geminiError(res, call.clientSignal, call.label),
      });
      firstByteAt ||= at;
      if (json.embeddings.length !== texts.length) throw notOnePerInput(call.label);
      return json.embeddings.map((e) => e.values);
    });
    return { vectors, promptTokens: null, firstByteAt };
  },
};

export const vertexEmbedder: Embedder = {
  async embed(call) {
    const target = publisherModel(call.route.upstreamModel);
    if (target?.publisher !== "google") throw errors.upstream(`The Vertex AI route '${call.route.upstreamModel}' is not a Google embedding model.`, "provider_not_configured");
    const oneByOne = target.model.startsWith("gemini-embedding");
    if (oneByOne && call.inputs.length > VERTEX_ONE_BY_ONE_MAX) {
      throw errors.invalidRequest(
        `At most ${VERTEX_ONE_BY_ONE_MAX} inputs per request on the Vertex AI route (${call.inputs.length} sent): Vertex AI embeds one text per call for this model; send fewer inputs per request.`,
        "input",
        "too_many_inputs_for_route",
      );
    }
    const path = vertexPath(call.config, target, "predict");
    const headers = await bearerHeader(call.config, call.clientSignal);
    let firstByteAt = 0;
    /** Null once a prediction comes without its count: the router counts them all then. */
    let tokens: number | null = 0;
    const vectors = await inSlices(call.inputs, oneByOne ? 1 : 250, PARALLEL, async (texts) => {
      const { json, firstByteAt: at } = await postForJson({
        config: call.config,
        path,
        headers,
        body: {
          instances: texts.map((content) => ({ content })),
          parameters: { autoTruncate: false, ...(call.dimensions !== null ? { outputDimensionality: call.dimensions } : {}) },
        },
        label: call.label,
        clientSignal: call.clientSignal,
        schema: predictSchema,
        toError: (res) => geminiError(res, call.clientSignal, call.label),
      });
      firstByteAt ||= at;
      if (json.predictions.length !== texts.length) throw notOnePerInput(call.label);
      for (const p of json.predictions) {
        const count = p.embeddings.statistics?.token_count;
        tokens = tokens === null || count === undefined ? null : tokens + count;
      }
      return json.predictions.map((p) => p.embeddings.values);
    });
    return { vectors, promptTokens: tokens, firstByteAt };
  },
};
