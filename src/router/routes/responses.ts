/**
 * POST /v1/responses: OpenAI's Responses API for any catalogue model,
 * stateless (docs/responses.md). A route that speaks the Responses API
 * natively gets the request as sent (store forced false); on any other route
 * it is translated to the chat format, served by that route's adapter, and
 * translated back (streams too). Errors use OpenAI's shape.
 */
import { Hono } from "hono";
import { estimateTokens } from "../../limits/estimate";
import { ADAPTERS } from "../../providers/registry";
import { responsesPassthrough } from "../../providers/openai-compatible/responses-passthrough";
import { MAX_RESPONSES_ITEMS, responsesRequestSchema } from "../../providers/responses/schema";
import type { ChatResult, ModelEntry } from "../../providers/types";
import { currentCatalogue } from "../../routing/catalogue-store";
import { runModelCall } from "../call";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { readModelRequest } from "../model-request";
import { fromResponsesRequest } from "../responses/from-responses";
import { withoutCarriedReasoning } from "../responses/reasoning-carrier";
import { chatToResponsesStream } from "../responses/stream";
import { toResponseObject } from "../responses/to-response";

const responseId = () => `resp_${crypto.randomUUID().replaceAll("-", "")}`;

export const responsesRoutes = new Hono<AppEnv>().post("/", apiKeyAuth("inference", { visitsLimiter: true }), async (c) => {
  const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
  const { body, models } = await readModelRequest(c.req.raw, responsesRequestSchema, MAX_RESPONSES_ITEMS, catalogue, { listField: "input" });
  // Whatever the client sent: the router keeps nothing and asks no provider to.
  const request = { ...body, store: false };
  const stream = request.stream === true;
  // Translated up front: the reservation is estimated on it, and a refusal is a 400 before any route is tried.
  const chatRequest = fromResponsesRequest(request);
  const ctx = { id: responseId(), createdAt: Math.floor(Date.now() / 1000), model: models[0]!.id, request };
  const clientSignal = c.req.raw.signal;
  const maxOutput = request.max_output_tokens != null ? { tokens: request.max_output_tokens, field: "max_output_tokens" } : null;
  const call = { catalogue, models, prefs: request.provider, streamed: stream, maxOutput, reserve: (model: ModelEntry) => estimateTokens(chatRequest, model) };
  return runModelCall(c, call, async (candidate): Promise<ChatResult> => {
    const { route, config, endpoint } = candidate;
    const base = { route, config, label: endpoint.label, requestId: c.get("requestId"), clientSignal, idleTimeoutMs: candidate.idleTimeoutMs };
    const passthrough = responsesPassthrough(endpoint.wire);
    if (passthrough) return passthrough({ ...base, request: withoutCarriedReasoning(request), stream });
    const served = { ...ctx, model: candidate.model.id };
    // A stream is translated to Responses events inside the provider's relay, in the same pass.
    if (stream) return ADAPTERS[endpoint.wire].chat({ ...base, request: chatRequest, clientStream: chatToResponsesStream(served) });
    const result = await ADAPTERS[endpoint.wire].chat({ ...base, request: chatRequest });
    const response = toResponseObject(await result.response.json(), served);
    return { ...result, response: new Response(JSON.stringify(response), { status: 200, headers: { "content-type": "application/json" } }) };
  });
});
