import { Hono } from "hono";
import { admit, release } from "../../limits/client";
import { estimateTokens } from "../../limits/estimate";
import { findModel } from "../../providers/catalogue";
import { chatCompletionRequestSchema } from "../../providers/chat-schema";
import { PROVIDERS } from "../../providers/registry";
import type { ModelEntry, Usage } from "../../providers/types";
import { errors } from "../../shared/errors";
import { readJson } from "../body";
import type { AppEnv, AuthContext } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { trackCall } from "../middleware/request-log";

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

const totalTokens = (usage: Usage | null) => (usage ? usage.promptTokens + usage.completionTokens : null);

export const chatCompletionsRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference"), async (c) => {
  const request = await readJson(c.req.raw, chatCompletionRequestSchema);
  if (request.stream_options && !request.stream) {
    throw errors.invalidRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
  }
  const model = findModel(request.model);
  if (!model) throw errors.notFound(`The model '${request.model}' does not exist.`, "model_not_found", "model");
  const callLog = trackCall(c, model, request.stream === true);
  const auth = c.get("auth");
  checkModelAccess(auth, model);

  const leaseId = c.get("requestId");
  c.set("rateLimitHeaders", await admit(c.env, auth, leaseId, estimateTokens(request)));
  let result;
  try {
    callLog.attempts++;
    result = await PROVIDERS[model.provider].chat({ request, model, requestId: leaseId, env: c.env, clientSignal: c.req.raw.signal });
  } catch (err) {
    // Nothing was generated: free the slot and drop the reservation.
    c.executionCtx.waitUntil(release(c.env, auth.accountId, leaseId, 0));
    throw err;
  }
  // Settles when the body has ended, been abandoned by the client, or failed:
  // the request log waits for it, and the limiter settles the real usage
  // (unknown usage, an aborted stream, keeps the reservation).
  callLog.outcome = result.outcome;
  c.executionCtx.waitUntil(result.outcome.then((o) => release(c.env, auth.accountId, leaseId, totalTokens(o.usage))));
  return result.response;
});
