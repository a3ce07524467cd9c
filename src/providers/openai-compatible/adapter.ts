/**
 * The shared adapter for providers that speak OpenAI's Chat Completions API.
 * A provider is a thin wrapper (see ../openai.ts, ../mistral.ts, ../azure/):
 * its config, how it builds the request body, and how it reports usage on
 * streams; a provider whose variant of the format differs more (Azure) also
 * says how it authenticates, what its errors mean and how its answers are
 * brought back to OpenAI's shape.
 */
import { type ApiError, errors } from "../../shared/errors";
import { SSE_HEADERS } from "../sse";
import type { ChatCompletionRequest } from "../chat-schema";
import type { ChatProvider, ChatResult, ProviderCall, ProviderConfig, WireFormat } from "../types";
import { postUpstream, readUpstreamJson, upstreamError } from "../upstream";
import { commitDeadline, streamingResult } from "../relay";
import type { CommittingTranslator } from "../sse-translator";
import { openAIStreamTranslator, type OpenAIStreamOptions } from "./stream";
import { chatCompletionResponseSchema, toUsage } from "./usage";

export interface OpenAICompatibleOptions {
  wire: WireFormat;
  /** The provider's request body; throws ApiError (400) for what it cannot honour. */
  buildBody(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown>;
  usageMode: OpenAIStreamOptions["usageMode"];
  /** The credential's header; `Authorization: Bearer` when absent. */
  authHeaders?(config: ProviderConfig): Record<string, string>;
  /** Maps an error response (its body unread) to the router's error; the shared mapping (upstream.ts) when absent. */
  upstreamError?(res: Response, label: string, clientSignal: AbortSignal): Promise<ApiError>;
  /** Brings a non-streamed answer back to OpenAI's shape (it is re-serialised); passed on as received when absent. */
  normalizeResponse?(json: Record<string, unknown>): Record<string, unknown>;
  /**
   * Wraps one stream's translator to bring the provider's events back to
   * OpenAI's shape and order around it (it sees every event first, and the
   * stream's end, clean or not); the translator reads them as they are when absent.
   */
  streamTranslator?(call: ProviderCall, translator: CommittingTranslator): CommittingTranslator;
}

/** Fields only the router understands (routing preferences): they never go upstream. */
const ROUTER_ONLY_FIELDS: readonly string[] = ["provider", "models"];

/** The client's request (chat, or Responses: ./responses-passthrough.ts) as a plain body for an OpenAI-compatible API, model swapped in. */
export function baseBody(request: object, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: upstreamModel };
  for (const field of ROUTER_ONLY_FIELDS) delete body[field];
  return body;
}

export function createOpenAICompatibleProvider(options: OpenAICompatibleOptions): ChatProvider {
  return {
    wire: options.wire,
    async chat(call: ProviderCall): Promise<ChatResult> {
      const config = call.config;
      // An endpoint that knows the model by another name (an Azure deployment) gets that name.
      const body = options.buildBody(call.request, config.deployment ?? call.route.upstreamModel);
      const startedAt = Date.now();
      const res = await postUpstream({
        config,
        path: "/chat/completions",
        headers: {
          ...(options.authHeaders ? options.authHeaders(config) : { authorization: `Bearer ${config.apiKey}` }),
          accept: call.request.stream ? "text/event-stream" : "application/json",
          "x-client-request-id": call.requestId,
        },
        body,
        clientSignal: call.clientSignal,
      });
      if (!res.ok) throw await (options.upstreamError ?? upstreamError)(res, call.label, call.clientSignal);
      if (call.request.stream) return streamResult(res, call, startedAt, options);
      return jsonResult(res, call.label, call.clientSignal, options.normalizeResponse);
    },
  };
}

function streamResult(res: Response, call: ProviderCall, startedAt: number, options: OpenAICompatibleOptions): Promise<ChatResult> {
  if (!res.body) throw errors.upstream("The upstream provider sent an empty stream.");
  const translator = openAIStreamTranslator({ label: call.label, clientWantsUsage: call.request.stream_options?.include_usage === true, usageMode: options.usageMode });
  const wrapped = options.streamTranslator ? options.streamTranslator(call, translator) : translator;
  return streamingResult(res.body, wrapped, { ...call, commitBy: commitDeadline(startedAt, call.config) }, SSE_HEADERS);
}

async function jsonResult(res: Response, label: string, clientSignal: AbortSignal, normalize?: OpenAICompatibleOptions["normalizeResponse"]): Promise<ChatResult> {
  const firstByteAt = Date.now();
  const { text, data } = await readUpstreamJson(res, label, clientSignal, chatCompletionResponseSchema);
  const usage = data.usage ? toUsage(data.usage) : null;
  // The upstream body is passed on as received (no re-serialisation) unless the provider's shape differs from OpenAI's.
  return {
    response: new Response(normalize ? JSON.stringify(normalize(data)) : text, { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage, result: "completed", firstByteAt }),
  };
}
