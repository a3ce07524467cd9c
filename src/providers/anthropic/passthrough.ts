/**
 * /v1/messages on anthropic/* models: the client's Messages request goes to
 * Anthropic as sent (thinking blocks, signatures and cache_control intact),
 * with only the model name swapped and the router's credential used, in the
 * API version the client spoke; or to a platform serving Claude in that
 * platform's addressing (a MessagesTarget). The response comes back unchanged.
 */
import { ApiError, errors } from "../../shared/errors";
import { GeneratedText, addAnthropicEvent } from "../generated";
import { commitDeadline, streamingResult } from "../relay";
import { parseJson, type CommittingTranslator } from "../sse-translator";
import { inStreamError } from "../stream-failure";
import type { SseEvent } from "../sse";
import { SSE_HEADERS } from "../sse";
import type { ChatResult, ProviderConfig, Route, Usage } from "../types";
import { postUpstream, upstreamError } from "../upstream";
import { anthropicTarget, readAnthropicMessage, type MessagesTarget } from "./index";
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
  /** Longest silence allowed between stream reads (the route's, from the routing plan); two minutes when absent. */
  idleTimeoutMs?: number;
}

/** Anthropic-format terminal error event. */
export function anthropicErrorEvent(type: string, message: string): SseEvent[] {
  return [{ event: "error", data: JSON.stringify({ type: "error", error: { type, message } }) }];
}

/** Types of the events whose usage or end state matter (checked against the schema). */
const TRACKED = new Set(["message_start", "message_delta", "message_stop", "error"]);

/**
 * Whether an event carries content: a delta, a finish (message_delta,
 * message_stop) or a block that starts with content (a tool's name, text).
 * message_start, ping and an empty text or thinking block's start do not.
 */
function carriesContent(json: unknown): boolean {
  const event = json as { type?: unknown; content_block?: { type?: unknown; text?: unknown } } | undefined;
  switch (event?.type) {
    case "content_block_delta":
    case "message_delta":
    case "message_stop":
      return true;
    case "content_block_start": {
      const block = event.content_block;
      return !(block?.type === "text" || block?.type === "thinking") || (typeof block.text === "string" && block.text !== "");
    }
    default:
      return false;
  }
}

/** Passes events through unchanged, reading usage, completion, content and generated text on the way (one parse each). */
function passthroughTranslator(): CommittingTranslator {
  let raw: AnthropicUsage = {};
  let state: "complete" | "incomplete" | "failed" = "incomplete";
  let committed = false;
  let failure: ApiError | null = null;
  const generated = new GeneratedText();
  return {
    push(events) {
      for (const e of events) {
        const json = parseJson(e.data);
        committed ||= carriesContent(json);
        addAnthropicEvent(json, generated);
        if (!TRACKED.has((json as { type?: string } | undefined)?.type ?? "")) continue;
        const parsed = streamEventSchema.safeParse(json);
        if (!parsed.success) continue;
        const ev = parsed.data;
        if (ev.type === "message_start") raw = mergeUsage(raw, ev.message.usage);
        else if (ev.type === "message_delta") raw = mergeUsage(raw, ev.usage);
        else if (ev.type === "message_stop") state = "complete";
        else if (ev.type === "error") {
          state = "failed";
          failure = inStreamError("Anthropic", ev.error.type);
        }
      }
      return events;
    },
    end: () => ({ events: [], state }),
    committed: () => committed,
    failure: () => failure,
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

/**
 * `target` says where the request goes: Anthropic's API in the client's
 * version by default, or a platform serving Claude (vertex/index.ts).
 */
export async function anthropicMessagesPassthrough(call: PassthroughCall, target?: MessagesTarget): Promise<ChatResult> {
  if (call.version === "2026-10-21") {
    const field = SAMPLING_FIELDS.find((f) => call.request[f] !== undefined);
    if (field) {
      throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `'${field}' is not accepted by anthropic-version 2026-10-21; use 2023-06-01 or remove it.`, field);
    }
  }
  const config = call.config;
  const stream = call.request.stream === true;
  const to = target ?? anthropicTarget(config.apiKey, call.version, call.betas, stream);
  const body = to.body(passthroughBody(call.request, call.route.upstreamModel));
  const headers = await to.headers();
  const startedAt = Date.now();
  const res = await postUpstream({ config, path: to.path, headers, body, clientSignal: call.clientSignal });
  if (!res.ok) throw await upstreamError(res, call.label, call.clientSignal);
  if (stream) {
    if (!res.body) throw errors.upstream("The upstream provider sent an empty stream.");
    return streamingResult(res.body, passthroughTranslator(), { ...call, commitBy: commitDeadline(startedAt, config) }, SSE_HEADERS);
  }
  const firstByteAt = Date.now();
  const message = await readAnthropicMessage(res, call.clientSignal);
  return {
    response: new Response(JSON.stringify(message), { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage: anthropicUsage(message.usage), result: "completed", firstByteAt }),
  };
}
