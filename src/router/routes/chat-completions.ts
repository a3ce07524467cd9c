import { Hono } from "hono";
import { findModel } from "../../providers/catalogue";
import { chatCompletionRequestSchema } from "../../providers/chat-schema";
import { PROVIDERS } from "../../providers/registry";
import { errors } from "../../shared/errors";
import { readJson } from "../body";
import type { AppEnv, AuthContext } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { trackCall } from "../middleware/request-log";
import type { ModelEntry } from "../../providers/types";

/** Which models this caller may use, and where their data may go. */
function checkModelAccess(auth: AuthContext, model: ModelEntry): void {
  if (auth.allowedModels && !auth.allowedModels.includes(model.id)) {
    throw errors.forbidden(`This API key is not allowed to use '${model.id}'.`, "model_not_allowed");
  }
  if (model.region !== "eu" && !auth.nonEuConsent) {
    throw errors.forbidden(
      `'${model.id}' is processed outside the EU (${model.region}). Record consent with PUT /v1/account/consent first.`,
      "consent_required",
    );
  }
}

export const chatCompletionsRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference"), async (c) => {
  const request = await readJson(c.req.raw, chatCompletionRequestSchema);
  if (request.stream_options && !request.stream) {
    throw errors.invalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
  }
  const model = findModel(request.model);
  if (!model) throw errors.notFound(`The model '${request.model}' does not exist.`, "model_not_found", "model");
  const callLog = trackCall(c, model, request.stream === true);
  checkModelAccess(c.get("auth"), model);

  callLog.attempts++;
  const { response, outcome } = await PROVIDERS[model.provider].chat({
    request,
    model,
    requestId: c.get("requestId"),
    env: c.env,
    clientSignal: c.req.raw.signal,
  });
  // Settles after the body has ended; limits and logging hook in here.
  callLog.outcome = outcome;
  c.executionCtx.waitUntil(outcome.then(() => undefined));
  return response;
});
