/**
 * POST /v1/messages: Anthropic's Messages API for any catalogue model.
 * A route that speaks Anthropic's format (Anthropic's API, Claude on Vertex
 * AI) gets the request as sent (thinking blocks, signatures, cache_control
 * intact); on any other route it is translated to the OpenAI format, served
 * by that route's adapter, and translated back (streams too).
 * Errors use Anthropic's shape.
 */
import { Hono } from "hono";
import { estimateMessagesTokens } from "../../limits/estimate";
import { ANTHROPIC_VERSIONS, MAX_ANTHROPIC_MESSAGES, messagesRequestSchema, SAMPLING_FIELDS, type AnthropicVersion } from "../../providers/anthropic/schema";
import { ADAPTERS, messagesPassthrough } from "../../providers/registry";
import type { ChatResult, ModelEntry } from "../../providers/types";
import { currentCatalogue } from "../../routing/catalogue-store";
import { ApiError } from "../../shared/errors";
import { planCache } from "../cache-call";
import { runModelCall } from "../call";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { betasOf } from "../anthropic-betas";
import { fromMessagesRequest } from "../messages/from-messages";
import { readModelRequest } from "../model-request";
import { openAIToAnthropicStream, toAnthropicMessage } from "../messages/to-messages";

/** Older clients send none; Anthropic's oldest supported version is the safe default. */
const DEFAULT_VERSION: AnthropicVersion = "2023-06-01";

function versionOf(header: string | undefined): AnthropicVersion {
  const version = header?.trim() || DEFAULT_VERSION;
  if (!(ANTHROPIC_VERSIONS as readonly string[]).includes(version)) {
    throw new ApiError(400, "invalid_request_error", "unsupported_version", `anthropic-version '${version}' is not supported; use one of ${ANTHROPIC_VERSIONS.join(", ")}.`, "anthropic-version");
  }
  return version as AnthropicVersion;
}

export const messagesRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    c.set("errorShape", "anthropic");
    await next();
  })
  .post("/", apiKeyAuth("inference", { visitsLimiter: true }), async (c) => {
    const version = versionOf(c.req.header("anthropic-version"));
    const betas = betasOf(c.req.header("anthropic-beta"));
    const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
    const { body: request, models, json } = await readModelRequest(c.req.raw, messagesRequestSchema, MAX_ANTHROPIC_MESSAGES, catalogue);
    if (version === "2026-10-21") {
      const field = SAMPLING_FIELDS.find((f) => request[f] !== undefined);
      if (field) throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `'${field}' is not accepted by anthropic-version 2026-10-21.`, field);
    }
    const stream = request.stream === true;
    const clientSignal = c.req.raw.signal;
    // The version and the betas change what a request may ask, so they are part of the cache key.
    const headers = () => ({ "anthropic-version": version, "anthropic-beta": [...betas].sort().join(",") });
    const cache = await planCache(c, { format: "anthropic-messages", json, stream, headers });
    // Translated once, when a route that does not speak Anthropic's format is
    // tried (a translation refusal is then that attempt's 400).
    let chatRequest: ReturnType<typeof fromMessagesRequest> | undefined;
    const call = {
      catalogue, models, prefs: request.provider, streamed: stream,
      maxOutput: { tokens: request.max_tokens, field: "max_tokens" },
      reserve: (model: ModelEntry) => estimateMessagesTokens(request, model),
      cache,
    };
    return runModelCall(c, call, async (candidate): Promise<ChatResult> => {
      const { route, config, endpoint } = candidate;
      // A route speaking Anthropic's format gets the request as sent.
      const passthrough = messagesPassthrough(endpoint.wire, route);
      if (passthrough) {
        return passthrough({ request, route, config, label: endpoint.label, version, betas, clientSignal, idleTimeoutMs: candidate.idleTimeoutMs });
      }
      chatRequest ??= fromMessagesRequest(request, stream);
      const modelId = candidate.model.id;
      const providerCall = { request: chatRequest, route, config, label: endpoint.label, requestId: c.get("requestId"), clientSignal, idleTimeoutMs: candidate.idleTimeoutMs };
      // A stream is translated to Anthropic's events inside the provider's relay, in the same pass.
      if (stream) return ADAPTERS[endpoint.wire].chat({ ...providerCall, clientStream: openAIToAnthropicStream(modelId) });
      const result = await ADAPTERS[endpoint.wire].chat(providerCall);
      const message = toAnthropicMessage(await result.response.json(), modelId);
      return { ...result, response: new Response(JSON.stringify(message), { status: 200, headers: { "content-type": "application/json" } }) };
    });
  });
