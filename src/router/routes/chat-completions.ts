import { Hono } from "hono";
import { estimateTokens } from "../../limits/estimate";
import { findModel } from "../../providers/catalogue";
import { chatCompletionRequestSchema } from "../../providers/chat-schema";
import { PROVIDERS } from "../../providers/registry";
import { errors } from "../../shared/errors";
import { readJson } from "../body";
import { runModelCall } from "../call";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

export const chatCompletionsRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference"), async (c) => {
  const request = await readJson(c.req.raw, chatCompletionRequestSchema);
  if (request.stream_options && !request.stream) {
    throw errors.invalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
  }
  const model = findModel(request.model);
  if (!model) throw errors.notFound(`The model '${request.model}' does not exist.`, "model_not_found", "model");
  const result = await runModelCall(c, model, { streamed: request.stream === true, reservation: estimateTokens(request, model) }, () =>
    PROVIDERS[model.provider].chat({ request, model, requestId: c.get("requestId"), env: c.env, clientSignal: c.req.raw.signal }),
  );
  return result.response;
});
