/**
 * The shared adapter for providers that speak OpenAI's Chat Completions API.
 * A provider is a thin wrapper (see ../openai.ts, ../mistral.ts): its config, how
 * it builds the request body, and how it reports usage on streams.
 */
import { errors } from "../../shared/errors";
import { SSE_HEADERS } from "../sse";
import type { ChatCompletionRequest } from "../chat-schema";
import type { ChatProvider, ChatResult, ProviderCall, WireFormat } from "../types";
import { postUpstream, readUpstreamBody, upstreamError } from "../upstream";
import { commitDeadline, streamingResult } from "../relay";
import { openAIStreamTranslator, type OpenAIStreamOptions } from "./stream";
import { chatCompletionResponseSchema, toUsage } from "./usage";

export interface OpenAICompatibleOptions {
  wire: WireFormat;
  /** The provider's request body; throws ApiError (400) for what it cannot honour. */
  buildBody(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown>;
  usageMode: OpenAIStreamOptions["usageMode"];
}

/** Fields only the router understands (routing preferences): they never go upstream. */
const ROUTER_ONLY_FIELDS: readonly string[] = ["provider", "models"];

/** The client's request as a plain body for an OpenAI-compatible API, model swapped in. */
export function baseBody(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: upstreamModel };
  for (const field of ROUTER_ONLY_FIELDS) delete body[field];
  return body;
}

export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions): ChatProvider {
  return {
    wire: options.wire,
    async chat(call: ProviderCall): Promise<ChatResult> {
      const body = options.buildBody(call.request, call.route.upstreamModel);
      const config = call.config;
      const startedAt = Date.now();
      const res = await postUpstream({
        config,
        path: "/chat/completions",
        headers: {
          authorization: `Bearer ${config.apiKey}`,
          accept: call.request.stream ? "text/event-stream" : "application/json",
          "x-client-request-id": call.requestId,
        },
        body,
        clientSignal: call.clientSignal,
      });
      if (!res.ok) throw await upstreamError(res, call.label, call.clientSignal);
      if (call.request.stream) return streamResult(res, call, startedAt, options.usageMode);
      return jsonResult(res, call.label, call.clientSignal);
    },
  };
}

function streamResult(res: Response, call: ProviderCall, startedAt: number, usageMode: OpenAIStreamOptions["usageMode"]): Promise<ChatResult> {
  if (!res.body) throw errors.upstream("The upstream provider sent an empty stream.");
  const translator = openAIStreamTranslator({ label: call.label, clientWantsUsage: call.request.stream_options?.include_usage === true, usageMode });
  return streamingResult(res.body, translator, { ...call, commitBy: commitDeadline(startedAt, call.config) }, SSE_HEADERS);
}

async function jsonResult(res: Response, label: string, clientSignal: AbortSignal): Promise<ChatResult> {
  const firstByteAt = Date.now();
  const text = await readUpstreamBody(res, label, clientSignal);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.upstream(`The ${label} API returned a response that is not JSON.`, "upstream_invalid_response");
  }
  const parsed = chatCompletionResponseSchema.safeParse(json);
  if (!parsed.success) throw errors.upstream(`The ${label} API returned an unexpected response.`, "upstream_invalid_response");
  const usage = parsed.data.usage ? toUsage(parsed.data.usage) : null;
  // The upstream body is passed on as received: no re-serialisation.
  return {
    response: new Response(text, { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage, result: "completed", firstByteAt }),
  };
}
