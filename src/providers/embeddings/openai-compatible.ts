/**
 * Embeddings on the APIs that speak OpenAI's format: `POST {base}/embeddings`
 * answered with `{data: [{index, embedding}], usage: {prompt_tokens}}`.
 * - OpenAI (and its EU data residency endpoint): Bearer key; `dimensions` and
 *   `user` as the client sent them.
 * - Azure OpenAI, v1 API (`{resource}.openai.azure.com/openai/v1/embeddings`):
 *   the operator's deployment as `model`, the key in `api-key`, Azure's errors.
 * - Mistral (`/v1/embeddings`, docs.mistral.ai/api/endpoint/embeddings): its
 *   fewer-dimensions field is `output_dimension`; it takes no `user`. Its
 *   default output is floats (`output_dtype` "float"), so none is sent.
 * Floats are asked for always: base64 is the router's encoding (response.ts).
 */
import { z } from "zod";
import type { ApiError } from "../../shared/errors";
import { azureError } from "../azure/errors";
import type { ProviderConfig } from "../types";
import { upstreamError } from "../upstream";
import type { EmbedCall, Embedder } from "./types";
import { notOnePerInput, postForJson } from "./upstream-json";

const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
  usage: z.object({ prompt_tokens: z.number().int().nonnegative() }).nullish(),
});

interface Variant {
  body(call: EmbedCall, model: string): Record<string, unknown>;
  authHeaders(config: ProviderConfig): Record<string, string>;
  error(res: Response, label: string, clientSignal: AbortSignal): Promise<ApiError>;
}

function openAICompatibleEmbedder(variant: Variant): Embedder {
  return {
    async embed(call) {
      const model = call.config.deployment ?? call.route.upstreamModel;
      const { json, firstByteAt } = await postForJson({
        config: call.config,
        path: "/embeddings",
        headers: { ...variant.authHeaders(call.config), "x-client-request-id": call.requestId },
        body: variant.body(call, model),
        label: call.label,
        clientSignal: call.clientSignal,
        schema: responseSchema,
        toError: (res) => variant.error(res, call.label, call.clientSignal),
      });
      // Each item says which input it embeds; the order of `data` is not relied on.
      const vectors: (number[] | undefined)[] = Array.from(call.inputs, () => undefined);
      for (const item of json.data) if (item.index < vectors.length) vectors[item.index] = item.embedding;
      if (json.data.length !== call.inputs.length || !vectors.every((v) => v !== undefined)) throw notOnePerInput(call.label);
      return { vectors, promptTokens: json.usage?.prompt_tokens ?? null, firstByteAt };
    },
  };
}

const openAIBody = (call: EmbedCall, model: string): Record<string, unknown> => ({
  model,
  input: call.inputs,
  encoding_format: "float",
  ...(call.dimensions !== null ? { dimensions: call.dimensions } : {}),
  ...(call.user !== undefined ? { user: call.user } : {}),
});

const bearer = (config: ProviderConfig) => ({ authorization: `Bearer ${config.apiKey}` });

export const openAIEmbedder = openAICompatibleEmbedder({ body: openAIBody, authHeaders: bearer, error: upstreamError });

export const azureEmbedder = openAICompatibleEmbedder({ body: openAIBody, authHeaders: (config) => ({ "api-key": config.apiKey ?? "" }), error: azureError });

export const mistralEmbedder = openAICompatibleEmbedder({
  body: (call, model) => ({ model, input: call.inputs, ...(call.dimensions !== null ? { output_dimension: call.dimensions } : {}) }),
  authHeaders: bearer,
  error: upstreamError,
});
