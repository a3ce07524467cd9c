/**
 * Google Gemini through its native REST API (v1beta `generateContent`), not
 * Google's OpenAI-compatible endpoint: the native one reports thought
 * signatures, cached and thinking tokens, and safety blocks faithfully.
 */
import { SSE_HEADERS } from "../sse";
import type { ChatProvider, ChatResult, ProviderCall } from "../types";
import { postUpstream, readUpstreamBody } from "../upstream";
import { geminiError, invalidResponse } from "./errors";
import { toGeminiRequest } from "./request";
import { completionId, randomToolCallId, toChatCompletion, toUsage } from "./response";
import { geminiResponseSchema } from "./schema";
import { geminiStreamTranslator } from "./stream";
import { commitDeadline, streamingResult } from "../relay";

/**
 * Where a generateContent call goes and how it is authenticated: the Gemini
 * API, or Vertex AI serving the same body and answers (vertex/index.ts).
 */
export interface GeminiTarget {
  /** The model's own name (e.g. gemini-2.5-flash): the request's thinking options depend on it. */
  model: string;
  path(stream: boolean): string;
  /** The credential headers, fetched inside the attempt after the body is built: a bad request fails before any token is asked for. */
  headers(): Promise<Record<string, string>>;
}

/** One generateContent call on `target`, answered in OpenAI's format. */
export async function generateContent(call: ProviderCall, target: GeminiTarget): Promise<ChatResult> {
  const body = toGeminiRequest(call.request, target.model);
  const config = call.config;
  const stream = call.request.stream === true;
  const credentials = await target.headers();
  const startedAt = Date.now();
  const res = await postUpstream({
    config,
    path: target.path(stream),
    headers: { ...credentials, accept: stream ? "text/event-stream" : "application/json" },
    body,
    clientSignal: call.clientSignal,
  });
  if (!res.ok) throw await geminiError(res, call.clientSignal, call.label);
  const created = Math.floor(Date.now() / 1000);
  if (stream) {
    if (!res.body) throw invalidResponse();
    const translator = geminiStreamTranslator({
      clientWantsUsage: call.request.stream_options?.include_usage === true,
      created,
      model: target.model,
      newToolCallId: randomToolCallId,
    });
    return streamingResult(res.body, translator, { ...call, commitBy: commitDeadline(startedAt, config) }, SSE_HEADERS);
  }
  return jsonResult(res, target.model, created, call.clientSignal);
}

export const google: ChatProvider = {
  wire: "gemini",
  chat(call: ProviderCall): Promise<ChatResult> {
    // The model name comes from the catalogue; it is URL-safe by construction, encoded anyway.
    const model = encodeURIComponent(call.route.upstreamModel);
    return generateContent(call, {
      model: call.route.upstreamModel,
      path: (stream) => (stream ? `/v1beta/models/${model}:streamGenerateContent?alt=sse` : `/v1beta/models/${model}:generateContent`),
      headers: async () => ({ "x-goog-api-key": call.config.apiKey ?? "" }),
    });
  },
};

/** A 200 whose body is not a Gemini response (a proxy's HTML page, say) is a 502, not a crash. */
async function jsonResult(res: Response, model: string, created: number, clientSignal: AbortSignal): Promise<ChatResult> {
  const firstByteAt = Date.now();
  const text = await readUpstreamBody(res, "Gemini", clientSignal);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalidResponse();
  }
  const parsed = geminiResponseSchema.safeParse(json);
  if (!parsed.success) throw invalidResponse();
  const completion = toChatCompletion(parsed.data, { id: completionId(parsed.data.responseId), created, model, newToolCallId: randomToolCallId });
  return {
    response: new Response(JSON.stringify(completion), { status: 200, headers: { "content-type": "application/json" } }),
    outcome: Promise.resolve({ usage: parsed.data.usageMetadata ? toUsage(parsed.data.usageMetadata) : null, result: "completed", firstByteAt }),
  };
}
