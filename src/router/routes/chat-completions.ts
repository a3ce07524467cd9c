import { Hono } from "hono";
import { estimateTokens } from "../../limits/estimate";
import { chatCompletionRequestSchema, MAX_CHAT_MESSAGES } from "../../providers/chat-schema";
import { ADAPTERS } from "../../providers/registry";
import type { ModelEntry } from "../../providers/types";
import { currentCatalogue } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import { planCache } from "../cache-call";
import { runModelCall } from "../call";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { readModelRequest } from "../model-request";

export const chatCompletionsRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference", { visitsLimiter: true }), async (c) => {
  const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
  const { body: request, models, json } = await readModelRequest(c.req.raw, chatCompletionRequestSchema, MAX_CHAT_MESSAGES, catalogue);
  if (request.stream_options && !request.stream) {
    throw errors.invalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
  }
  const maxOutput =
    request.max_completion_tokens != null ? { tokens: request.max_completion_tokens, field: "max_completion_tokens" }
    : request.max_tokens != null ? { tokens: request.max_tokens, field: "max_tokens" }
    : null;
  const stream = request.stream === true;
  const cache = await planCache(c, { format: "openai-chat", json, stream, includeUsage: request.stream_options?.include_usage === true });
  const call = { catalogue, models, prefs: request.provider, streamed: stream, maxOutput, reserve: (model: ModelEntry) => estimateTokens(request, model), cache };
  return runModelCall(c, call, (candidate) =>
    ADAPTERS[candidate.endpoint.wire].chat({
      request,
      route: candidate.route,
      config: candidate.config,
      label: candidate.endpoint.label,
      requestId: c.get("requestId"),
      clientSignal: c.req.raw.signal,
      idleTimeoutMs: candidate.idleTimeoutMs,
    }),
  );
});
