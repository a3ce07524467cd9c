/** Model calls and the catalogue: /v1/chat/completions, /v1/messages, /v1/responses, /v1/embeddings, /v1/models. */
import { z } from "@hono/zod-openapi";
import { messagesRequestSchema } from "../../../providers/anthropic/schema";
import { chatCompletionRequestSchema } from "../../../providers/chat-schema";
import { embeddingRequestSchema } from "../../../providers/embeddings/schema";
import { responsesRequestSchema } from "../../../providers/responses/schema";
import { customerHeaders, customerOk, customerSecurity, errorResponses, header, INFERENCE_ERRORS, CUSTOMER_ERRORS, json, type Registry } from "../components";
import { modelListSchema, modelSchema, openObject } from "../schemas";

/** What every inference response says about its call (docs/routing.md, docs/api.md). */
const inferenceHeaders = {
  ...customerHeaders,
  "x-emby-route": header("The endpoint that answered, e.g. mistral-eu."),
  "x-emby-data-region": header("Where the answer was processed: eu, us or global."),
  "x-emby-attempts": header("Upstream attempts made."),
  "x-ratelimit-limit-requests": header("The tighter of the key's and the account's request limit per minute."),
  "x-ratelimit-remaining-requests": header("Requests left in the window."),
  "x-ratelimit-reset-requests": header("When the oldest counted request leaves the window (OpenAI's format, e.g. 1.5s)."),
  "x-ratelimit-limit-tokens": header("Token limit per minute."),
  "x-ratelimit-remaining-tokens": header("Tokens left in the window."),
  "x-ratelimit-reset-tokens": header("When tokens free up."),
};

/** The response cache's part (docs/cache.md), on /v1/chat/completions and /v1/messages. */
const cachedHeaders = {
  ...inferenceHeaders,
  "x-emby-cache": header("What the response cache did: hit (served from it, no upstream call, free), miss (routed; stored when complete) or bypass (not used)."),
  age: header("On a hit: whole seconds since the answer was stored."),
  "x-emby-cache-ttl-clamped": header("86400 when the requested TTL was over 24 hours and was clamped."),
};
const cacheTtlHeader = z
  .string()
  .optional()
  .meta({ description: "Opt in to the response cache: whole seconds to keep the answer, 1 to 86400 (larger is clamped); 0 turns off the key's default. Anything else is a 400 `invalid_cache_ttl`." });

const STREAM = "text/event-stream";

export function registerInferencePaths(registry: Registry): void {
  registry.registerPath({
    method: "post",
    path: "/v1/chat/completions",
    tags: ["Inference"],
    summary: "Create a chat completion (OpenAI format)",
    description:
      "Scope `inference`. Any catalogue model (`provider/model`); `stream` true answers with server-sent events. OpenRouter's `provider` object and `models` fallback list steer routing. Unknown fields are a 400.",
    security: customerSecurity,
    request: { headers: z.object({ "x-emby-cache-ttl": cacheTtlHeader }), body: { required: true, content: json(chatCompletionRequestSchema) } },
    responses: {
      200: {
        description: "OpenAI's chat.completion object, or a stream of chat.completion.chunk events ending with [DONE].",
        headers: cachedHeaders,
        content: { ...json(openObject("OpenAI's chat.completion object")), [STREAM]: { schema: z.string().meta({ description: "Server-sent events" }) } },
      },
      ...errorResponses(INFERENCE_ERRORS),
    },
  });

  registry.registerPath({
    method: "post",
    path: "/v1/messages",
    tags: ["Inference"],
    summary: "Create a message (Anthropic Messages format)",
    description:
      "Scope `inference`. Any catalogue model: Claude routes get the request as sent, others a translation. Errors use Anthropic's shape.",
    security: customerSecurity,
    request: {
      headers: z.object({
        "anthropic-version": z.string().optional().meta({ description: "2023-06-01 (default) or 2026-10-21" }),
        "anthropic-beta": z.string().optional().meta({ description: "Comma-separated betas from the router's allow-list" }),
        "x-emby-cache-ttl": cacheTtlHeader,
      }),
      body: { required: true, content: json(messagesRequestSchema) },
    },
    responses: {
      200: {
        description: "Anthropic's message object, or its event stream.",
        headers: cachedHeaders,
        content: { ...json(openObject("Anthropic's message object")), [STREAM]: { schema: z.string().meta({ description: "Server-sent events" }) } },
      },
      ...errorResponses(INFERENCE_ERRORS, "anthropic"),
    },
  });

  registry.registerPath({
    method: "post",
    path: "/v1/embeddings",
    tags: ["Inference"],
    summary: "Create embeddings (OpenAI format)",
    description:
      "Scope `inference`. Embedding models only (`kind: \"embedding\"` in /v1/models); a chat model is a 400, as an embedding model is on the chat endpoints. `input` is a string or up to 2,048 strings (token arrays are refused), at most 300,000 tokens in all and each within the model's input limit. `dimensions` only for models that take it. `encoding_format: \"base64\"` sends each vector as the base64 of its little-endian float32 bytes. Routing (`provider`, `models`), limits and billing as for chat; see docs/embeddings.md.",
    security: customerSecurity,
    request: { body: { required: true, content: json(embeddingRequestSchema) } },
    responses: {
      200: {
        description: "OpenAI's embeddings list: `{object: \"list\", data: [{object: \"embedding\", index, embedding}], model, usage: {prompt_tokens, total_tokens}}`.",
        headers: inferenceHeaders,
        content: json(openObject("OpenAI's embeddings list")),
      },
      ...errorResponses(INFERENCE_ERRORS),
    },
  });

  registry.registerPath({
    method: "post",
    path: "/v1/responses",
    tags: ["Inference"],
    summary: "Create a response (OpenAI Responses API, stateless)",
    description:
      "Scope `inference`. Any catalogue model; `stream` true answers with Responses API events. Stateless: `store` is sent upstream as false, `previous_response_id`, `conversation`, `background` and item references are a 400 (send the history as `input` items); hosted tools are a 400. See docs/responses.md.",
    security: customerSecurity,
    request: { body: { required: true, content: json(responsesRequestSchema) } },
    responses: {
      200: {
        description: "OpenAI's response object, or a stream of response.* events ending with response.completed, response.incomplete or response.failed.",
        headers: inferenceHeaders,
        content: { ...json(openObject("OpenAI's response object")), [STREAM]: { schema: z.string().meta({ description: "Server-sent events" }) } },
      },
      ...errorResponses(INFERENCE_ERRORS),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/v1/models",
    tags: ["Models"],
    summary: "List the catalogue",
    description: "Scope `inference`. OpenAI's list shape plus routes, pricing, context length, provider and data regions. Prices are what the customer pays: the provider's price plus the service fee.",
    security: customerSecurity,
    responses: { 200: customerOk("The catalogue.", modelListSchema), ...errorResponses([401, 403, 429]) },
  });

  registry.registerPath({
    method: "get",
    path: "/v1/models/{id}",
    tags: ["Models"],
    summary: "Retrieve one model",
    description: "Scope `inference`. The id contains a `/`, sent as is or percent-encoded (`mistral%2Fmistral-small-latest`).",
    security: customerSecurity,
    request: { params: z.object({ id: z.string().meta({ example: "mistral/mistral-small-latest" }) }) },
    responses: { 200: customerOk("The model.", modelSchema), ...errorResponses(CUSTOMER_ERRORS) },
  });
}
