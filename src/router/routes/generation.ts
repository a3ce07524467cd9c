import { nanoToUsd } from "../../billing/money";
import { Hono } from "hono";
import { logsDb } from "../../db/client";
import type { RequestLog } from "../../db/logs-schema";
import { findRequestLog } from "../../db/request-logs";
import { errors } from "../../shared/errors";
import { requestIdSchema } from "../../shared/log-event";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { iso } from "../../self-service/views";


/**
 * The upstream calls of a request, in order; `outcome` is `ok` for the one
 * that answered, else the router error code it failed with. Null for a
 * request logged before attempts were recorded (its count is still in
 * `attempts`).
 */
function attemptsView(r: RequestLog) {
  return r.attemptLog?.map((a) => ({ route: a.route, upstream_model: a.upstream_model, outcome: a.code, status: a.status, latency_ms: a.latency_ms })) ?? null;
}

/**
 * One request's metadata as the API shows it; usage in OpenAI's shape, cost
 * in USD. `provider` is the model family; the endpoint that answered is
 * `route`, also under OpenRouter's name for it, `provider_name`.
 */
function generationView(r: RequestLog) {
  return {
    id: r.requestId,
    object: "generation",
    endpoint: r.endpoint,
    model: r.model,
    provider: r.provider,
    provider_name: r.route,
    route: r.route,
    data_region: r.dataRegion,
    upstream_model: r.upstreamModel,
    key_id: r.keyId,
    status: r.status,
    error_code: r.errorCode,
    streamed: r.streamed,
    cancelled: r.clientAborted,
    attempts: r.attempts,
    attempt_log: attemptsView(r),
    created_at: iso(r.receivedAt),
    first_byte_at: iso(r.firstByteAt),
    completed_at: iso(r.completedAt),
    latency_ms: r.latencyMs,
    time_to_first_byte_ms: r.firstByteAt === null ? null : r.firstByteAt - r.receivedAt,
    usage: {
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      total_tokens: r.promptTokens + r.completionTokens,
      prompt_tokens_details: { cached_tokens: r.cachedTokens },
      completion_tokens_details: { reasoning_tokens: r.reasoningTokens },
    },
    /** True when the tokens are partly the router's count: a stream abandoned before the provider reported usage. */
    usage_estimated: r.usageEstimated === true,
    total_cost: nanoToUsd(r.costNanoUsd),
    ip: r.ip,
    user_agent: r.userAgent,
    edge_location: r.edgeLocation,
  };
}

/**
 * `GET /v1/generation?id=<request id>`: one request of the caller's account.
 * Another account's request is a 404 like an unknown one, so ids cannot be
 * probed. Records appear once the logger has consumed the event (seconds)
 * and are gone after 30 days.
 */
export const generationRoutes = new Hono<AppEnv>().use(apiKeyAuth("inference")).get("/", async (c) => {
  const id = c.req.query("id");
  if (!id) throw errors.invalidRequest("Give the request id (x-request-id) as the 'id' query parameter.", "id", "missing_parameter");
  const row = requestIdSchema.safeParse(id).success ? await findRequestLog(logsDb(c.env.LOGS_DB), c.get("auth").accountId, id) : undefined;
  if (!row) throw errors.notFound("No generation with this id for this account.", "generation_not_found", "id");
  return c.json({ data: generationView(row) });
});
