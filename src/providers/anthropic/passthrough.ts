/**
 * /v1/messages on anthropic/* models: the client's Messages request goes to
 * Anthropic as sent (thinking blocks, signatures and cache_control intact),
 * with only the model name swapped and the router's credential used, in the
 * API version the client spoke. The response comes back unchanged.
 */
import { ApiError, errors } from "../../shared/errors";
import { GeneratedText, addAnthropicEvent } from "../generated";
import { parseJson, streamingResult, type SseTranslator } from "../relay";
import type { SseEvent } from "../sse";
import { SSE_HEADERS } from "../sse";
import type { ChatResult, ProviderConfig, Route, Usage } from "../types";
import { postUpstream, upstreamError } from "../upstream";
import { anthropicHeaders, readAnthropicMessage } from "./index";
import { anthropicUsage, mergeUsage } from "./response";
import { SAMPLING_FIELDS, streamEventSchema, type AnthropicUsage, type AnthropicVersion, type MessagesRequest } from "./schema";

export interface PassthroughCall {
  request: MessagesRequest;
  route: Route;
  config: ProviderConfig;
  label: string;
  version: AnthropicVersion;
  /** anthropic-beta values the client asked for (passed on: they are feature flags). */
  betas: string[];
  clientSignal: AbortSignal;
}

/** Anthropic-format terminal error event. */
export function anthropicErrorEvent(type: string, message: string): SseEvent[] {
  return [{ event: "error", data: JSON.stringify({ type: "error", error: { type, message } }) }];
}

/** Types of the events whose usage or end state matter (checked against the schema). */
const TRACKED = new Set(["message_start", "message_delta", "message_stop", "error"]);

/** Passes events through unchanged, reading usage, completion and generated text on the way (one parse each). */
function passthroughTranslator(): SseTranslator {
  let raw: AnthropicUsage = {};
  let state: "complete" | "incomplete" | "failed" = "incomplete";
  const generated = new GeneratedText();
  return {
    push(events) {
      for (const e of events) {
        const json = parseJson(e.data);
        addAnthropicEvent(json, generated);
        if (!TRACKED.has((json as { type?: string } | undefined)?.type ?? "")) continue;
        const parsed = streamEventSchema.safeParse(json);
        if (!parsed.success) continue;
        const ev = parsed.data;
        if (ev.type === "message_start") raw = mergeUsage(raw, ev.message.usage);
        else if (ev.type === "message_delta") raw = mergeUsage(raw, ev.usage);
        else if (ev.type === "message_stop") state = "complete";
        else if (ev.type === "error") state = "failed";
      }
      return events;
    },
    end: () => ({ events: [], state }),
    usage: (): Usage | null => (raw.input_tokens == null && raw.output_tokens == null ? null : anthropicUsage(raw)),
    generated: () => generated.text(),
    error: (_code, message) => anthropicErrorEvent("api_error", message),
  };
}

/** The client's request as sent, with the route's model name; routing preferences stay with the router. */
function passthroughBody(request: MessagesRequest, upstreamModel: string): Record<string, unknown> {
  const { provider: _p, models: _m, ...body } = request as MessagesRequest & { provider?: unknown; models?: unknown };
  return { ...body, model: upstreamModel };
}

export async function anthropicMessagesPassthrough(call: PassthroughCall): Promise<ChatResult> {
  if (call.version === "2026-10-21") {
    const field = SAMPLING_FIELDS.find((f) => call.request[f] !== undefined);
    if (field) {
      throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `'${field}' is not accepted by anthropic-version 2026-10-21; use 2023-06-01 or remove it.`, field);
    }
  }
  const config = call.config;
  const stream = call.request.stream === true;
  const res = await postUpstream({
    config,
    path: "/v1/messages",
    headers: anthropicHeaders(config.apiKey, call.version, call.betas, stream),
    body: passthroughBody(call.request, call.route.upstreamModel),
    clientSignal: call.clientSignal,
  });
  if (!res.ok) throw await upstreamError(res, call.label);
  if (stream) {
    if (!res.body) throw errors.upstream("The upstream provider sent an empty stream.");
    return streamingResult(res.body, passthroughTranslator(), call.clientSignal, SSE_HEADERS);
  }
  const firstByteAt = Date.now();
  const message = await readAnthropicMessage(res, call.clientSignal);
  return {
    response: new Response(JSON.stringify(message), { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage: anthropicUsage(message.usage), result: "completed", firstByteAt }),
  };
}
