/**
 * Azure OpenAI's v1 chat completions (`/{label}/openai/v1/chat/completions`),
 * as Microsoft's pages describe it ("Content streaming", "Content filtering
 * annotations", the REST reference): OpenAI's format, authenticated by an
 * `api-key` header (401 in Azure's shape otherwise; an `Authorization`
 * header alone is refused, since this fake plays a key-only resource), the
 * deployment name in `model`, and the content filter's annotations:
 * `prompt_filter_results` (a first stream chunk with `id: ""` and no
 * choices), `content_filter_results` on choices. Directives (scenario.ts):
 * `azureFilter: "async"` streams as the asynchronous filter does (annotation
 * chunks with `id: ""` between content chunks and after the finish and usage
 * chunks, none on the content chunks); `contentFilter: "prompt"` blocks the
 * prompt (400 `content_filter`), `contentFilter: "output"` the answer
 * (`finish_reason: "content_filter"`; in async mode on an annotation chunk).
 * `afterUsage` cuts a stream short after its usage chunk (scenario.ts).
 * The fake resource has every deployment except those named `missing…`
 * (404 DeploymentNotFound, as for any `status: 404`). Tools offered are
 * called as the OpenAI fake calls them (openai-format.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterFirstChunk, answerFailureScenario, beforeChunk, countTokens, DEFAULT_REPLY, pingOnly, promptText, type Scenario, sendAnswer, sleep, splitReply } from "./scenario.ts";
import { type ChatBody, fakeToolCall, toolCallDeltas, wantsToolCall } from "./openai-format.ts";
import type { FakeContext } from "./server.ts";

const SAFE = { hate: { filtered: false, severity: "safe" }, self_harm: { filtered: false, severity: "safe" }, sexual: { filtered: false, severity: "safe" }, violence: { filtered: false, severity: "safe" } };
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: { ...SAFE, jailbreak: { filtered: false, detected: false } } }];
const BLOCKED = { ...SAFE, violence: { filtered: true, severity: "high" } };

export function azureErrorBody(status: number, message: string): unknown {
  if (status === 401) {
    return { error: { code: "401", message: "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource." } };
  }
  if (status === 404) {
    return { error: { code: "DeploymentNotFound", message: "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again." } };
  }
  if (status === 429) return { error: { code: "429", message: "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version v1 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after the time in the retry-after header." } };
  if (status === 400) return { error: { message, type: "invalid_request_error", param: null, code: null } };
  return { error: { code: status >= 500 ? "InternalServerError" : String(status), message } };
}

/** A prompt the content filter blocked, as Microsoft's content-filter pages show it. */
const PROMPT_BLOCKED = {
  error: {
    message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
    type: null,
    param: "prompt",
    code: "content_filter",
    status: 400,
    innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: { ...BLOCKED, jailbreak: { filtered: false, detected: false } } },
  },
};

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}


/** An asynchronous filter's annotation on the text sent so far (`check_offset` grows as text is vetted). */
const annotation = (checked: number, finish: string | null = null) => ({
  id: "", object: "", created: 0, model: "",
  choices: [{ index: 0, finish_reason: finish, content_filter_results: finish ? BLOCKED : SAFE, content_filter_offsets: { check_offset: checked, start_offset: 0, end_offset: checked } }],
  usage: null,
});

export async function handleAzureChat(req: IncomingMessage, res: ServerResponse, body: ChatBody, scenario: Scenario, ctx: FakeContext) {
  if (typeof req.headers["api-key"] !== "string" || req.headers["api-key"] === "") return sendJson(res, 401, azureErrorBody(401, ""));
  if (typeof body.model !== "string" || !Array.isArray(body.messages) || body.messages.length === 0) {
    return sendJson(res, 400, azureErrorBody(400, "'messages' must be a non-empty array and 'model' a string."));
  }
  if (body.model.startsWith("missing")) return sendJson(res, 404, azureErrorBody(404, ""));
  if (scenario.contentFilter === "prompt") return sendJson(res, 400, PROMPT_BLOCKED);
  if (await answerFailureScenario(req, res, scenario, azureErrorBody)) return;

  const id = `chatcmpl-azure${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const blocked = scenario.contentFilter === "output";
  const reply = scenario.reply ?? DEFAULT_REPLY;
  const toolName = wantsToolCall(body);
  const toolCall = toolName && !blocked ? fakeToolCall(toolName) : null;
  const parts = splitReply(reply, scenario.chunks ?? 3);
  // A blocked answer stops after its first part.
  const sent = blocked ? parts.slice(0, 1) : parts;
  const promptTokens = countTokens(promptText(body.messages));
  const completionTokens = toolCall ? 8 : countTokens(blocked ? reply : sent.join(""));
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
  const finishReason = blocked ? "content_filter" : toolCall ? "tool_calls" : "stop";

  if (body.stream !== true) {
    return sendAnswer(req, res, scenario, { "content-type": "application/json" }, {
      id, object: "chat.completion", created, model: body.model, system_fingerprint: "fp_azure",
      prompt_filter_results: PROMPT_FILTER_RESULTS,
      choices: [{ index: 0, message: { role: "assistant", content: blocked || toolCall ? null : reply, ...(toolCall ? { tool_calls: [toolCall] } : {}), refusal: null, annotations: [] }, logprobs: null, finish_reason: finishReason, content_filter_results: blocked ? BLOCKED : SAFE }],
      usage,
    });
  }

  const isAsync = scenario.azureFilter === "async";
  const includeUsage = body.stream_options?.include_usage === true;
  const base = { id, object: "chat.completion.chunk", created, model: body.model, system_fingerprint: "fp_azure" };
  const write = (chunk: object) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const send = (choice: object, filter: object) => write({ ...base, choices: [{ index: 0, logprobs: null, ...choice, ...(isAsync ? {} : { content_filter_results: filter }) }], usage: null });

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  write({ id: "", object: "", created: 0, model: "", prompt_filter_results: PROMPT_FILTER_RESULTS, choices: [], usage: null });
  send({ delta: { role: "assistant", content: toolCall ? null : "" }, finish_reason: null }, {});
  if (await pingOnly(res, scenario, () => res.write(": keep-alive\n\n"))) return;
  let checked = 0;
  const deltas = toolCall ? toolCallDeltas(toolCall) : sent.map((content) => ({ content }));
  for (let i = 0; i < deltas.length; i++) {
    await beforeChunk(i, res, scenario, ctx);
    send({ delta: deltas[i], finish_reason: null }, SAFE);
    if (i === 0 && (await afterFirstChunk(req, res, scenario, ctx))) return;
    if (isAsync && i === 0) write(annotation((checked += sent[0]!.length)));
  }
  // The asynchronous filter's late verdict arrives on an annotation chunk; the synchronous one is the finish chunk itself.
  if (blocked && isAsync) write(annotation(checked, "content_filter"));
  else send({ delta: {}, finish_reason: finishReason }, blocked ? BLOCKED : {});
  if (includeUsage) write({ ...base, choices: [], usage });
  if (scenario.afterUsage === "drop") {
    // As afterFirstChunk does: the bytes written so far reach the client before the socket dies.
    await sleep(20);
    return void req.socket.destroy();
  }
  if (scenario.afterUsage === "hang") return new Promise<void>((resolve) => res.once("close", resolve));
  if (isAsync && !blocked) write(annotation(sent.join("").length));
  res.end("data: [DONE]\n\n");
}
