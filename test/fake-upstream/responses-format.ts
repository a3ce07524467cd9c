/**
 * OpenAI's Responses API (`POST /{label}/v1/responses`), as its reference
 * describes it: a Response object (`object: "response"`, `status`, `output`
 * items, `usage` with input/output token details) or, with `stream: true`,
 * its event stream: each event an `event: <type>` line and a data object
 * with that `type` and a `sequence_number` counting from 0, from
 * `response.created` and `response.in_progress` through each output item's
 * added / delta / done events to `response.completed` (or
 * `response.incomplete`); no `[DONE]`.
 *
 * Output: a reasoning item first when the request has `reasoning` or asks
 * for `reasoning.encrypted_content` in `include` (its summary when
 * `reasoning.summary` is set, its encrypted content when included), then a
 * function call when function tools are offered and the input does not end
 * with a tool result (as the chat fake calls tools, openai-format.ts), else
 * a message with the reply. `max_output_tokens` below the reply's tokens
 * cuts it short (`status: "incomplete"`). The fake stores nothing: a
 * `previous_response_id` is not found. The request body, `store` included,
 * is recorded by the server (`/__requests`). Directives (scenario.ts): the
 * shared failures, `streamError` (an `error` event), `chunks`, `gate`,
 * `hold`, `drop`, `keepAlive`, `pingOnlyMs`, `cachedTokens`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody } from "./openai-format.ts";
import { afterFirstChunk, answerFailureScenario, beforeChunk, countTokens, DEFAULT_REPLY, pingOnly, promptText, type Scenario, sendAnswer, sleep, splitReply } from "./scenario.ts";
import type { FakeContext } from "./server.ts";

type Json = Record<string, unknown>;

export interface ResponsesBody {
  model?: unknown;
  input?: unknown;
  instructions?: unknown;
  stream?: unknown;
  store?: unknown;
  include?: unknown;
  reasoning?: { effort?: string; summary?: string } | null;
  tools?: { type?: string; name?: string }[];
  tool_choice?: unknown;
  max_output_tokens?: unknown;
  previous_response_id?: unknown;
}

export const REASONING_SUMMARY = "Considering how to answer.";
/** Reasoning tokens a reasoning item stands for (counted in output_tokens, as OpenAI counts them). */
export const REASONING_TOKENS = 12;
export const TOOL_ARGUMENTS = '{"city":"Paris"}';

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

let counter = 0;
const newId = (prefix: string) => `${prefix}_fake${Date.now().toString(36)}${(counter++).toString(36)}`;

/** The function tool to call, or null: function tools offered, tool_choice not "none", and the input not ending with a tool result. */
function toolToCall(body: ResponsesBody): string | null {
  const functions = (body.tools ?? []).filter((t) => t.type === "function" && typeof t.name === "string");
  if (functions.length === 0 || body.tool_choice === "none") return null;
  const last = Array.isArray(body.input) ? (body.input.at(-1) as Json | undefined) : undefined;
  if (last?.type === "function_call_output") return null;
  const forced = body.tool_choice as { type?: string; name?: string } | undefined;
  return forced?.type === "function" && forced.name ? forced.name : functions[0]!.name!;
}

function reasoningItem(body: ResponsesBody): Json | null {
  const encrypted = Array.isArray(body.include) && body.include.includes("reasoning.encrypted_content");
  if (!body.reasoning && !encrypted) return null;
  return {
    id: newId("rs"),
    type: "reasoning",
    summary: body.reasoning?.summary ? [{ type: "summary_text", text: REASONING_SUMMARY }] : [],
    ...(encrypted ? { encrypted_content: `gAAAAA${Buffer.from(`fake reasoning ${Date.now()}`).toString("base64")}` } : {}),
  };
}

/** The answer the request gets: its output items, its status and its usage. */
function answer(body: ResponsesBody, scenario: Scenario) {
  const reasoning = reasoningItem(body);
  const tool = toolToCall(body);
  const limit = typeof body.max_output_tokens === "number" ? body.max_output_tokens : Infinity;
  let reply = scenario.reply ?? DEFAULT_REPLY;
  const incomplete = !tool && countTokens(reply) > limit;
  if (incomplete) reply = reply.slice(0, limit * 4);
  const main: Json = tool
    ? { id: newId("fc"), type: "function_call", status: "completed", arguments: TOOL_ARGUMENTS, call_id: newId("call"), name: tool }
    : { id: newId("msg"), type: "message", status: incomplete ? "incomplete" : "completed", role: "assistant", content: [{ type: "output_text", annotations: [], logprobs: [], text: reply }] };
  const inputTokens = countTokens(promptText([body.instructions, body.input]));
  const reasoningTokens = reasoning ? REASONING_TOKENS : 0;
  const outputTokens = (tool ? 8 : countTokens(reply)) + reasoningTokens;
  const usage = {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: Math.min(scenario.cachedTokens ?? 0, inputTokens) },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: inputTokens + outputTokens,
  };
  return { output: reasoning ? [reasoning, main] : [main], status: incomplete ? "incomplete" : "completed", reply, usage };
}

/** A Response object; `status` "in_progress" has no output and no usage yet. */
function responseObject(body: ResponsesBody, id: string, createdAt: number, status: string, output: Json[] = [], usage: Json | null = null): Json {
  return {
    id, object: "response", created_at: createdAt, status, background: false,
    completed_at: status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: null, incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: body.instructions ?? null, max_output_tokens: body.max_output_tokens ?? null, model: body.model,
    output, parallel_tool_calls: true, previous_response_id: null,
    reasoning: { effort: body.reasoning?.effort ?? null, summary: body.reasoning?.summary ?? null },
    service_tier: "default", store: body.store ?? true, temperature: 1.0,
    text: { format: { type: "text" }, verbosity: "medium" }, tool_choice: body.tool_choice ?? "auto", tools: body.tools ?? [],
    top_p: 1.0, truncation: "disabled", usage, user: null, metadata: {},
  };
}

export async function handleResponses(req: IncomingMessage, res: ServerResponse, body: ResponsesBody, scenario: Scenario, ctx: FakeContext) {
  if (!/^Bearer \S+$/.test(req.headers.authorization ?? "")) return sendJson(res, 401, errorBody("openai", 401, "Incorrect API key provided."));
  if (typeof body.model !== "string" || !(typeof body.input === "string" || Array.isArray(body.input))) {
    return sendJson(res, 400, errorBody("openai", 400, "'input' must be a string or an array and 'model' a string."));
  }
  if (typeof body.previous_response_id === "string") {
    const message = `Previous response with id '${body.previous_response_id}' not found.`;
    return sendJson(res, 400, { error: { message, type: "invalid_request_error", param: "previous_response_id", code: "previous_response_not_found" } });
  }
  if (await answerFailureScenario(req, res, scenario, (status, message) => errorBody("openai", status, message))) return;

  const id = newId("resp");
  const createdAt = Math.floor(Date.now() / 1000);
  const done = answer(body, scenario);
  if (body.stream !== true) {
    return sendAnswer(req, res, scenario, { "content-type": "application/json" }, responseObject(body, id, createdAt, done.status, done.output, done.usage));
  }

  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
  let sequence = 0;
  const emit = (type: string, fields: Json) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  emit("response.created", { response: responseObject(body, id, createdAt, "in_progress") });
  emit("response.in_progress", { response: responseObject(body, id, createdAt, "in_progress") });
  for (let i = 0; scenario.keepAlive && i < 3; i++) {
    await sleep(30);
    res.write(": keep-alive\n\n");
  }
  if (await pingOnly(res, scenario, () => res.write(": keep-alive\n\n"))) return;
  const streamError = () => {
    emit("error", { code: "server_error", message: "The server had an error while processing your request. Sorry about that!", param: null });
    res.end();
  };
  if (scenario.streamError === "first") return streamError();

  for (const [index, item] of done.output.entries()) {
    const at = { item_id: item.id, output_index: index };
    if (item.type === "reasoning") {
      emit("response.output_item.added", { item: { id: item.id, type: "reasoning", summary: [] }, output_index: index });
      for (const [s, part] of (item.summary as { text: string }[]).entries()) {
        emit("response.reasoning_summary_part.added", { ...at, summary_index: s, part: { type: "summary_text", text: "" } });
        emit("response.reasoning_summary_text.delta", { ...at, summary_index: s, delta: part.text });
        emit("response.reasoning_summary_text.done", { ...at, summary_index: s, text: part.text });
        emit("response.reasoning_summary_part.done", { ...at, summary_index: s, part: { type: "summary_text", text: part.text } });
      }
      emit("response.output_item.done", { item, output_index: index });
      continue;
    }
    const isCall = item.type === "function_call";
    emit("response.output_item.added", { item: isCall ? { ...item, status: "in_progress", arguments: "" } : { ...item, status: "in_progress", content: [] }, output_index: index });
    if (!isCall) emit("response.content_part.added", { ...at, content_index: 0, part: { type: "output_text", annotations: [], logprobs: [], text: "" } });
    const deltas = isCall ? [TOOL_ARGUMENTS] : splitReply(done.reply, scenario.chunks ?? 3);
    for (let n = 0; n < deltas.length; n++) {
      await beforeChunk(n, res, scenario, ctx);
      if (isCall) emit("response.function_call_arguments.delta", { ...at, delta: deltas[n] });
      else emit("response.output_text.delta", { ...at, content_index: 0, delta: deltas[n], logprobs: [] });
      if (n === 0 && scenario.streamError === "mid") return streamError();
      if (n === 0 && (await afterFirstChunk(req, res, scenario, ctx))) return;
    }
    if (isCall) emit("response.function_call_arguments.done", { ...at, arguments: TOOL_ARGUMENTS });
    else {
      emit("response.output_text.done", { ...at, content_index: 0, text: done.reply, logprobs: [] });
      emit("response.content_part.done", { ...at, content_index: 0, part: (item.content as Json[])[0] });
    }
    emit("response.output_item.done", { item, output_index: index });
  }
  emit(done.status === "incomplete" ? "response.incomplete" : "response.completed", { response: responseObject(body, id, createdAt, done.status, done.output, done.usage) });
  res.end();
}
