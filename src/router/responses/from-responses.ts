/**
 * Responses API request → OpenAI chat request, for /v1/responses on routes
 * that do not speak the Responses API. Pure. The result is checked against the
 * chat schema, so every adapter receives exactly what /v1/chat/completions
 * would give it. Items become messages in their order: consecutive assistant
 * output (text, function calls, reasoning) makes one assistant message, as the
 * chat format and every provider behind it expect.
 */
import { chatCompletionRequestSchema, type ChatCompletionRequest, type ThinkingBlock } from "../../providers/chat-schema";
import type { ResponsesInputItem, ResponsesRequest } from "../../providers/responses/schema";
import { validationError } from "../body";
import { decodeReasoning } from "./reasoning-carrier";

type Json = Record<string, unknown>;
type Item<T extends ResponsesInputItem["type"]> = Extract<ResponsesInputItem, { type: T }>;

function userContent(content: Extract<Item<"message">, { role: "user" }>["content"]): unknown {
  if (typeof content === "string") return content;
  return content.map((part) => {
    if (part.type === "input_text") return { type: "text", text: part.text };
    if (part.type === "input_image") return { type: "image_url", image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) } };
    return { type: "file", file: { file_data: part.file_data, ...(part.filename !== undefined ? { filename: part.filename } : {}) } };
  });
}

const textOf = (content: string | { text: string }[]) => (typeof content === "string" ? content : content.map((p) => p.text).join("\n"));

/** Collects one assistant turn from consecutive assistant items. */
class AssistantTurn {
  text = "";
  refusal = "";
  readonly toolCalls: Json[] = [];
  readonly thinking: ThinkingBlock[] = [];

  get empty(): boolean {
    return !this.text && !this.refusal && this.toolCalls.length === 0 && this.thinking.length === 0;
  }

  message(): Json {
    return {
      role: "assistant",
      content: this.text || null,
      ...(this.refusal ? { refusal: this.refusal } : {}),
      ...(this.toolCalls.length > 0 ? { tool_calls: this.toolCalls } : {}),
      ...(this.thinking.length > 0 ? { thinking_blocks: this.thinking } : {}),
    };
  }
}

/** Gemini signatures travel by call id, so they find their call wherever its reasoning item stood. */
function toolSignatures(items: readonly ResponsesInputItem[]): Map<string, string> {
  const signatures = new Map<string, string>();
  for (const item of items) {
    if (item.type !== "reasoning") continue;
    for (const [id, signature] of Object.entries(decodeReasoning(item.encrypted_content)?.tool_signatures ?? {})) signatures.set(id, signature);
  }
  return signatures;
}

function inputMessages(input: ResponsesRequest["input"]): Json[] {
  if (typeof input === "string") return [{ role: "user", content: input }];
  const messages: Json[] = [];
  const signatures = toolSignatures(input);
  let turn = new AssistantTurn();
  const flush = () => {
    if (!turn.empty) messages.push(turn.message());
    turn = new AssistantTurn();
  };
  for (const item of input) {
    if (item.type === "reasoning") {
      turn.thinking.push(...(decodeReasoning(item.encrypted_content)?.thinking_blocks ?? []));
    } else if (item.type === "function_call") {
      const signature = signatures.get(item.call_id);
      turn.toolCalls.push({ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments }, ...(signature ? { extra_content: { google: { thought_signature: signature } } } : {}) });
    } else if (item.type === "message" && item.role === "assistant") {
      if (typeof item.content === "string") turn.text += item.content;
      else for (const part of item.content) part.type === "refusal" ? (turn.refusal += part.refusal) : (turn.text += part.text);
    } else {
      flush();
      if (item.type === "function_call_output") messages.push({ role: "tool", tool_call_id: item.call_id, content: textOf(item.output) });
      else if (item.role === "user") messages.push({ role: "user", content: userContent(item.content) });
      else messages.push({ role: item.role, content: textOf(item.content) });
    }
  }
  flush();
  return messages;
}

function responseFormat(format: NonNullable<ResponsesRequest["text"]>["format"]): Json {
  if (!format || format.type === "text") return {};
  if (format.type === "json_object") return { response_format: { type: "json_object" } };
  const { type: _type, ...schema } = format;
  return { response_format: { type: "json_schema", json_schema: schema } };
}

/** The chat core knows minimal..high; "none" asks for no reasoning, "xhigh" for the most there is. */
function reasoningEffort(effort: NonNullable<ResponsesRequest["reasoning"]>["effort"]): Json {
  if (!effort || effort === "none") return {};
  return { reasoning_effort: effort === "xhigh" ? "high" : effort };
}

// `metadata` tags the response object (echoed back), not the model call: not sent upstream.
const present = <K extends keyof ResponsesRequest>(r: ResponsesRequest, key: K): Json => (r[key] != null ? { [key]: r[key] } : {});

export function fromResponsesRequest(r: ResponsesRequest): ChatCompletionRequest {
  const messages = [...(r.instructions ? [{ role: "system", content: r.instructions }] : []), ...inputMessages(r.input)];
  const tool_choice = r.tool_choice === undefined ? undefined : typeof r.tool_choice === "string" ? r.tool_choice : { type: "function", function: { name: r.tool_choice.name } };
  const body: Json = {
    model: r.model,
    messages,
    ...(r.max_output_tokens != null ? { max_completion_tokens: r.max_output_tokens } : {}),
    ...present(r, "temperature"),
    ...present(r, "top_p"),
    ...(r.tools ? { tools: r.tools.map((t) => ({ type: "function", function: { name: t.name, ...(t.description != null ? { description: t.description } : {}), ...(t.parameters != null ? { parameters: t.parameters } : {}), ...(t.strict != null ? { strict: t.strict } : {}) } })) } : {}),
    ...(tool_choice !== undefined ? { tool_choice } : {}),
    ...(r.parallel_tool_calls != null ? { parallel_tool_calls: r.parallel_tool_calls } : {}),
    ...responseFormat(r.text?.format),
    ...(r.text?.verbosity ? { verbosity: r.text.verbosity } : {}),
    ...reasoningEffort(r.reasoning?.effort),
    ...present(r, "user"),
    ...present(r, "safety_identifier"),
    ...present(r, "prompt_cache_key"),
    ...present(r, "service_tier"),
    // The router keeps nothing and asks no provider to: whatever the client sent.
    store: false,
    ...present(r, "provider"),
    ...present(r, "models"),
    // Usage is needed for response.completed whether or not the client asks.
    ...(r.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
