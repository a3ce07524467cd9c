/**
 * Google Gemini through its native REST API (v1beta `generateContent`), not
 * Google's OpenAI-compatible endpoint: the native one reports thought
 * signatures, cached and thinking tokens, and safety blocks faithfully.
 */
import { SSE_HEADERS } from "../sse";
import type { ChatProvider, ChatResult, ProviderCall } from "../types";
import { postUpstream, readUpstreamBody } from "../upstream";
import { geminiError, invalidResponse } from "./errors";
import { LABEL, toGeminiRequest } from "./request";
import { completionId, randomToolCallId, toChatCompletion, toUsage } from "./response";
import { geminiResponseSchema } from "./schema";
import { geminiStreamTranslator } from "./stream";
import { commitDeadline, streamingResult } from "../relay";

export const google: ChatProvider = {
  wire: "gemini",
  async chat(call: ProviderCall): Promise<ChatResult> {
    const body = toGeminiRequest(call.request, call.route.upstreamModel);
    const config = call.config;
    const stream = call.request.stream === true;
    // The model name comes from the catalogue; it is URL-safe by construction, encoded anyway.
    const model = encodeURIComponent(call.route.upstreamModel);
    const startedAt = Date.now();
    const res = await postUpstream({
      config,
      path: stream ? `/v1beta/models/${model}:streamGenerateContent?alt=sse` : `/v1beta/models/${model}:generateContent`,
      headers: { "x-goog-api-key": config.apiKey ?? "", accept: stream ? "text/event-stream" : "application/json" },
      body,
      clientSignal: call.clientSignal,
    });
    if (!res.ok) throw await geminiError(res, call.clientSignal);
    const created = Math.floor(Date.now() / 1000);
    if (stream) {
      if (!res.body) throw invalidResponse();
      const translator = geminiStreamTranslator({
        clientWantsUsage: call.request.stream_options?.include_usage === true,
        created,
        model: call.route.upstreamModel,
        newToolCallId: randomToolCallId,
      });
      return streamingResult(res.body, translator, { ...call, commitBy: commitDeadline(startedAt, config) }, SSE_HEADERS);
    }
    return jsonResult(res, call.route.upstreamModel, created, call.clientSignal);
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
