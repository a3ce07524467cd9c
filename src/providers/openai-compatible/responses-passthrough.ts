/**
 * /v1/responses on a route that speaks OpenAI's Responses API natively
 * (OpenAI's endpoints): the client's request goes to `{base}/responses` as
 * sent, with the route's upstream model, `store: false` and the router's own
 * fields removed, over the chat adapter's connection (../upstream.ts: the
 * router's credential, timeouts, the client's abort, the error mapping that
 * makes a failed route one the router may fall back from). The answer comes
 * back as the provider sent it: the JSON as received, the stream event by
 * event (./responses-stream.ts). Other routes get null and the request is
 * translated through chat.
 *
 * Azure OpenAI's v1 API also serves /openai/v1/responses, but it is not
 * passed through: only some of its models and regions serve the Responses
 * API (a deployment that does not would answer a 400 the client would
 * receive, where chat would have served it), and how its content filter
 * annotates Responses output is not documented as chat's is.
 */
import type { ChatResult, ProviderCall, ProviderConfig, Route, WireFormat } from "../types";
import { SSE_HEADERS } from "../sse";
import { commitDeadline, streamingResult } from "../relay";
import { postUpstream, readUpstreamJson, upstreamError } from "../upstream";
import { errors } from "../../shared/errors";
import { baseBody } from "./adapter";
import { responsesStreamTranslator } from "./responses-stream";
import { responseObjectSchema, toResponsesUsage } from "./usage";

/** One attempt as the chat adapters get it, with the Responses request in place of the chat one. */
export interface ResponsesPassthroughCall extends Omit<ProviderCall, "request"> {
  /** The client's request as validated (zod output), `store` already false; the passthrough sets `model`. */
  request: Readonly<Record<string, unknown>>;
  stream: boolean;
}

/**
 * The upstream body: the client's request with the route's model (an
 * endpoint that knows it by another name gets that name), routing
 * preferences removed, and `store: false` whatever was asked, so the
 * provider keeps no response to fetch or continue later.
 */
export function responsesBody(request: Readonly<Record<string, unknown>>, config: ProviderConfig, route: Route): Record<string, unknown> {
  return { ...baseBody(request, config.deployment ?? route.upstreamModel), store: false };
}

async function openAIResponses(call: ResponsesPassthroughCall): Promise<ChatResult> {
  const { config, label, clientSignal } = call;
  const startedAt = Date.now();
  const res = await postUpstream({
    config,
    path: "/responses",
    headers: { authorization: `Bearer ${config.apiKey}`, accept: call.stream ? "text/event-stream" : "application/json", "x-client-request-id": call.requestId },
    body: responsesBody(call.request, config, call.route),
    clientSignal,
  });
  if (!res.ok) throw await upstreamError(res, label, clientSignal);
  if (call.stream) {
    if (!res.body) throw errors.upstream("The upstream provider sent an empty stream.");
    return streamingResult(res.body, responsesStreamTranslator(label), { ...call, commitBy: commitDeadline(startedAt, config) }, SSE_HEADERS);
  }
  const firstByteAt = Date.now();
  const { text, data } = await readUpstreamJson(res, label, clientSignal, responseObjectSchema);
  // A response that failed is the route's failure (another may serve the request), as `response.failed` is in a stream.
  if (data.status === "failed") throw errors.upstream(`The ${label} API could not complete the response.`);
  return {
    response: new Response(text, { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage: data.usage ? toResponsesUsage(data.usage) : null, result: "completed", firstByteAt }),
  };
}

/** The passthrough of a wire format that serves the Responses API natively, or null (the request is then translated through chat). */
export function responsesPassthrough(wire: WireFormat): ((call: ResponsesPassthroughCall) => Promise<ChatResult>) | null {
  return wire === "openai" ? openAIResponses : null;
}
