/**
 * OpenAI Chat Completions wire format, and Mistral's variant of it, as their API
 * documentation describes: JSON responses, SSE chunks (role, content, finish,
 * usage) ending in `data: [DONE]`, and each provider's error bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterFirstChunk, answerFailureScenario, beforeChunk, pingOnly, sendAnswer, countTokens, DEFAULT_REPLY, promptText, type Scenario, sleep, splitReply } from "./scenario.ts";
import type { FakeContext } from "./server.ts";

export type Flavour = "openai" | "mistral";

/** Fields Mistral's API accepts; anything else is a 422 (extra_forbidden). */
const MISTRAL_FIELDS = new Set([
  "model", "messages", "temperature", "top_p", "max_tokens", "stream", "stop", "random_seed", "response_format",
  "tools", "tool_choice", "presence_penalty", "frequency_penalty", "n", "prediction", "parallel_tool_calls",
  "safe_prompt", "prompt_mode",
]);

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function errorBody(flavour: Flavour, status: number, message: string) {
  if (flavour === "mistral") {
    return { object: "error", message, type: status === 429 ? "rate_limited" : status >= 500 ? "internal_server_error" : "invalid_request_error", param: null, code: String(status) };
  }
  const type = status === 429 ? "requests" : status >= 500 ? "server_error" : status === 401 ? "invalid_request_error" : "invalid_request_error";
  const code = status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : null;
  return { error: { message, type, param: null, code } };
}

function mistral422(field: string, input: unknown) {
  return {
    object: "error",
    message: { detail: [{ type: "extra_forbidden", loc: ["body", field], msg: "Extra inputs are not permitted", input }] },
    type: "invalid_request_error",
    param: null,
    code: null,
  };
}

export interface ChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: boolean };
  tools?: { function: { name: string } }[];
  tool_choice?: unknown;
}

/** A tool call is answered when tools are offered and the last turn is not a tool result. */
export function wantsToolCall(body: Pick<ChatBody, "tools" | "tool_choice" | "messages">): string | null {
  if (!body.tools?.length || body.tool_choice === "none") return null;
  const messages = body.messages as { role: string }[];
  if (messages[messages.length - 1]?.role === "tool") return null;
  const choice = body.tool_choice as { function?: { name: string } } | undefined;
  return choice?.function?.name ?? body.tools[0]!.function.name;
}

export interface FakeToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export const fakeToolCall = (name: string): FakeToolCall => ({ id: `call_${Date.now().toString(36)}`, type: "function", function: { name, arguments: '{"city":"Paris"}' } });

/** A tool call streamed as OpenAI does: id and name first, then the arguments. */
export const toolCallDeltas = (call: FakeToolCall): object[] => [
  { tool_calls: [{ index: 0, ...call, function: { name: call.function.name, arguments: "" } }] },
  { tool_calls: [{ index: 0, function: { arguments: call.function.arguments } }] },
];

/**
 * A failure after the 200: an error object in a data event, as OpenAI sends
 * it mid-stream (`{"error": {message, type, param, code}}`, then `[DONE]`,
 * seen in go-openai#396). Mistral documents no in-stream error; it is given
 * the same shape.
 */
function streamError(res: ServerResponse): void {
  const error = { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null };
  res.write(`data: ${JSON.stringify({ error })}\n\n`);
  res.end("data: [DONE]\n\n");
}

export async function handleChat(flavour: Flavour, req: IncomingMessage, res: ServerResponse, body: ChatBody, scenario: Scenario, ctx: FakeContext) {
  if (!/^Bearer \S+$/.test(req.headers.authorization ?? "")) {
    return sendJson(res, 401, errorBody(flavour, 401, "Incorrect API key provided."));
  }
  if (flavour === "mistral") {
    for (const [field, value] of Object.entries(body)) if (!MISTRAL_FIELDS.has(field)) return sendJson(res, 422, mistral422(field, value));
    const roles = (Array.isArray(body.messages) ? body.messages : []) as { role: string }[];
    const bad = roles.findIndex((m) => !["system", "user", "assistant", "tool"].includes(m.role));
    if (bad !== -1) return sendJson(res, 422, mistral422(`messages.${bad}.role`, roles[bad]!.role));
  } else if (body.stream_options !== undefined && body.stream !== true) {
    return sendJson(res, 400, errorBody(flavour, 400, "The 'stream_options' parameter is only allowed when 'stream' is enabled."));
  }
  if (typeof body.model !== "string" || !Array.isArray(body.messages) || body.messages.length === 0) {
    return sendJson(res, 400, errorBody(flavour, 400, "'messages' must be a non-empty array and 'model' a string."));
  }

  if (await answerFailureScenario(req, res, scenario, (status, message) => errorBody(flavour, status, message))) return;

  const id = `chatcmpl-${flavour === "mistral" ? "" : "fake"}${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model;
  const reply = scenario.reply ?? DEFAULT_REPLY;
  const toolName = wantsToolCall(body);
  const promptTokens = countTokens(promptText(body.messages));
  const completionTokens = toolName ? 8 : countTokens(reply);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const toolCall = toolName ? fakeToolCall(toolName) : null;
  const finishReason = toolName ? "tool_calls" : "stop";

  if (body.stream !== true) {
    return sendAnswer(req, res, scenario, { "content-type": "application/json" }, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: toolCall ? null : reply, ...(toolCall ? { tool_calls: [toolCall] } : {}), refusal: null }, logprobs: null, finish_reason: finishReason }],
      usage: flavour === "openai" ? { ...usage, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } : usage,
      ...(flavour === "openai" ? { system_fingerprint: "fp_fake", service_tier: "default" } : {}),
    });
  }

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const includeUsage = flavour === "openai" && body.stream_options?.include_usage === true;
  const base = { id, object: "chat.completion.chunk", created, model, ...(flavour === "openai" ? { system_fingerprint: "fp_fake" } : {}) };
  const send = (chunk: object) => res.write(`data: ${JSON.stringify(includeUsage ? { ...chunk, usage: null } : chunk)}\n\n`);
  const deltas: object[] = toolCall ? toolCallDeltas(toolCall) : splitReply(reply, scenario.chunks ?? 3).map((content) => ({ content }));

  send({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: toolCall ? null : "" }, logprobs: null, finish_reason: null }] });
  for (let i = 0; scenario.keepAlive && i < 3; i++) {
    await sleep(30);
    res.write(": keep-alive\n\n");
  }
  if (await pingOnly(res, scenario, () => res.write(": keep-alive\n\n"))) return;
  if (scenario.streamError === "first") return streamError(res);
  for (let i = 0; i < deltas.length; i++) {
    await beforeChunk(i, res, scenario, ctx);
    send({ ...base, choices: [{ index: 0, delta: deltas[i], logprobs: null, finish_reason: null }] });
    if (i === 0 && scenario.streamError === "mid") return streamError(res);
    if (i === 0 && (await afterFirstChunk(req, res, scenario, ctx))) return;
  }
  const final = { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }] };
  if (flavour === "mistral") res.write(`data: ${JSON.stringify({ ...final, usage })}\n\n`);
  else {
    send(final);
    if (includeUsage) {
      res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { ...usage, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } })}\n\n`);
    }
  }
  res.end("data: [DONE]\n\n");
}
