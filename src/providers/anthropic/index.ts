/**
 * Anthropic: OpenAI-format chat translated to the Messages API (version
 * 2023-06-01), and the Messages API passed through for /v1/messages.
 */
import { errors } from "../../shared/errors";
import { commitDeadline, streamingResult } from "../relay";
import { SSE_HEADERS } from "../sse";
import type { ChatProvider, ChatResult, ProviderCall } from "../types";
import { postUpstream, readUpstreamJson, upstreamError } from "../upstream";
import { toAnthropicRequest } from "./request";
import { anthropicUsage, toOpenAICompletion } from "./response";
import { anthropicMessageSchema, TRANSLATION_VERSION, type AnthropicVersion } from "./schema";
import { anthropicToOpenAIStream } from "./stream";

/** The router's credential the way each API version expects it. */
export function anthropicHeaders(apiKey: string | undefined, version: AnthropicVersion, betas: readonly string[], stream: boolean): Record<string, string> {
  return {
    ...(version === "2023-06-01" ? { "x-api-key": apiKey ?? "" } : { authorization: `Bearer ${apiKey ?? ""}` }),
    "anthropic-version": version,
    ...(betas.length > 0 ? { "anthropic-beta": betas.join(",") } : {}),
    accept: stream ? "text/event-stream" : "application/json",
  };
}

/** Reads and checks a non-streamed Messages response. */
export async function readAnthropicMessage(res: Response, clientSignal: AbortSignal) {
  return (await readUpstreamJson(res, "Anthropic", clientSignal, anthropicMessageSchema)).data;
}

/**
 * Where a Messages request goes and how: Anthropic's API, or a platform that
 * serves Claude under its own URL, credentials and body conventions (Vertex
 * AI, vertex/index.ts), with the same answers and stream events.
 */
export interface MessagesTarget {
  path: string;
  /** Fetched inside the attempt, after the body is built: a platform's access token may have to be fetched. */
  headers(): Promise<Record<string, string>>;
  /** Anthropic's Messages body (with the route's model) as this target takes it. */
  body(messages: Record<string, unknown>): Record<string, unknown>;
}

/** Anthropic's own API: the body as it is, the version and betas in headers. */
export function anthropicTarget(apiKey: string | undefined, version: AnthropicVersion, betas: readonly string[], stream: boolean): MessagesTarget {
  return { path: "/v1/messages", headers: async () => anthropicHeaders(apiKey, version, betas, stream), body: (messages) => messages };
}

/** An OpenAI-format chat call translated to the Messages API on `target`, answered in OpenAI's format. */
export async function chatOnMessages(call: ProviderCall, model: string, target: MessagesTarget): Promise<ChatResult> {
  const body = target.body(toAnthropicRequest(call.request, model));
  const config = call.config;
  const stream = call.request.stream === true;
  const headers = await target.headers();
  const startedAt = Date.now();
  const res = await postUpstream({ config, path: target.path, headers, body, clientSignal: call.clientSignal });
  if (!res.ok) throw await upstreamError(res, call.label, call.clientSignal);
  if (stream) {
    if (!res.body) throw errors.upstream("The upstream provider sent an empty stream.");
    const translator = anthropicToOpenAIStream({ clientWantsUsage: call.request.stream_options?.include_usage === true });
    return streamingResult(res.body, translator, { ...call, commitBy: commitDeadline(startedAt, config) }, SSE_HEADERS);
  }
  const firstByteAt = Date.now();
  const { completion, usage } = toOpenAICompletion(await readAnthropicMessage(res, call.clientSignal));
  return {
    response: new Response(JSON.stringify(completion), { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage, result: "completed", firstByteAt }),
  };
}

export const anthropic: ChatProvider = {
  wire: "anthropic",
  chat: (call) =>
    chatOnMessages(call, call.route.upstreamModel, anthropicTarget(call.config.apiKey, TRANSLATION_VERSION, [], call.request.stream === true)),
};

export { anthropicUsage };
