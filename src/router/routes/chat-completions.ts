import { Hono } from "hono";
import { estimateTokens } from "../../limits/estimate";
import { chatCompletionRequestSchema, MAX_CHAT_MESSAGES } from "../../providers/chat-schema";
import { PROVIDERS } from "../../providers/registry";
import { errors } from "../../shared/errors";
import { runModelCall } from "../call";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { readModelRequest } from "../model-request";

export const chatCompletionsRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference"), async (c) => {
  const { body: request, model } = await readModelRequest(c.req.raw, chatCompletionRequestSchema, MAX_CHAT_MESSAGES);
  if (request.stream_options && !request.stream) {
    throw errors.invalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
  }
  const result = await runModelCall(c, model, { streamed: request.stream === true, reservation: estimateTokens(request, model) }, () =>
    PROVIDERS[model.provider].chat({ request, model, requestId: c.get("requestId"), env: c.env, clientSignal: c.req.raw.signal }),
  );
  return result.response;
});
