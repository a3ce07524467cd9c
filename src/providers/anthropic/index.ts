/**
 * Anthropic: OpenAI-format chat translated to the Messages API (version
 * 2023-06-01), and the Messages API passed through for /v1/messages.
 */
import { errors } from "../../shared/errors";
import { commitDeadline, streamingResult } from "../relay";
import { SSE_HEADERS } from "../sse";
import type { ChatProvider, ChatResult } from "../types";
import { postUpstream, readUpstreamBody, upstreamError } from "../upstream";
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
  const text = await readUpstreamBody(res, "Anthropic", clientSignal);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.upstream("The Anthropic API returned a response that is not JSON.", "upstream_invalid_response");
  }
  const parsed = anthropicMessageSchema.safeParse(json);
  if (!parsed.success) throw errors.upstream("The Anthropic API returned an unexpected response.", "upstream_invalid_response");
  return parsed.data;
}

export const anthropic: ChatProvider = {
  wire: "anthropic",
  async chat(call): Promise<ChatResult> {
    const body = toAnthropicRequest(call.request, call.route.upstreamModel);
    const config = call.config;
    const stream = call.request.stream === true;
    const startedAt = Date.now();
    const res = await postUpstream({
      config,
      path: "/v1/messages",
      headers: anthropicHeaders(config.apiKey, TRANSLATION_VERSION, [], stream),
      body,
      clientSignal: call.clientSignal,
    });
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
  },
};

export { anthropicUsage };
