/**
 * POST /v1/messages: Anthropic's Messages API for any catalogue model.
 * anthropic/* models pass through to Anthropic; others are translated to the
 * OpenAI format, served by their adapter, and translated back (streams too).
 * Errors use Anthropic's shape.
 */
import { Hono } from "hono";
import { estimateMessagesTokens, estimateTokens } from "../../limits/estimate";
import { anthropicMessagesPassthrough } from "../../providers/anthropic/passthrough";
import { ANTHROPIC_VERSIONS, MAX_ANTHROPIC_MESSAGES, messagesRequestSchema, SAMPLING_FIELDS, type AnthropicVersion } from "../../providers/anthropic/schema";
import { relaySse } from "../../providers/relay";
import { PROVIDERS } from "../../providers/registry";
import { SSE_HEADERS } from "../../providers/sse";
import { ApiError, errors } from "../../shared/errors";
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
  .post("/", apiKeyAuth("inference"), async (c) => {
    const version = versionOf(c.req.header("anthropic-version"));
    const betas = betasOf(c.req.header("anthropic-beta"));
    const { body: request, model } = await readModelRequest(c.req.raw, messagesRequestSchema, MAX_ANTHROPIC_MESSAGES);
    if (version === "2026-10-21") {
      const field = SAMPLING_FIELDS.find((f) => request[f] !== undefined);
      if (field) throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `'${field}' is not accepted by anthropic-version 2026-10-21.`, field);
    }
    const stream = request.stream === true;
    const clientSignal = c.req.raw.signal;

    if (model.provider === "anthropic") {
      const result = await runModelCall(c, model, { streamed: stream, reservation: estimateMessagesTokens(request, model) }, () =>
        anthropicMessagesPassthrough({ request, model, version, betas, env: c.env, clientSignal }),
      );
      return result.response;
    }

    const chatRequest = fromMessagesRequest(request, stream);
    const result = await runModelCall(c, model, { streamed: stream, reservation: estimateTokens(chatRequest, model) }, () =>
      PROVIDERS[model.provider].chat({ request: chatRequest, model, requestId: c.get("requestId"), env: c.env, clientSignal }),
    );
    if (!stream) return c.json(toAnthropicMessage(await result.response.json(), model.id));
    const body = result.response.body;
    if (!body) throw errors.upstream("The upstream provider sent an empty stream.");
    // The provider's relay already reports the outcome; this layer only re-shapes events.
    return new Response(relaySse(body, openAIToAnthropicStream(model.id), { clientSignal }), { status: 200, headers: SSE_HEADERS });
  });
