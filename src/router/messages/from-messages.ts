/**
 * Anthropic Messages request → OpenAI chat request, for /v1/messages on models
 * that are not Anthropic's. Pure. The result is checked against the chat schema,
 * so every adapter receives exactly what /v1/chat/completions would give it.
 */
import { ApiError } from "../../shared/errors";
import { chatCompletionRequestSchema, type ChatCompletionRequest } from "../../providers/chat-schema";
import type { AnthropicContentBlock, MessagesRequest } from "../../providers/anthropic/schema";
import { validationError } from "../body";
import { unwrapSignature } from "./thought-signature";

type Json = Record<string, unknown>;

const unsupported = (message: string, param: string) => new ApiError(400, "invalid_request_error", "unsupported_parameter", message, param);

function textOf(content: string | { text: string }[] | undefined): string {
  if (content === undefined) return "";
  return typeof content === "string" ? content : content.map((b) => b.text).join("\n");
}

function imageUrl(block: Extract<AnthropicContentBlock, { type: "image" }>): string {
  return block.source.type === "base64" ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url;
}

type ToolResultBlock = Extract<AnthropicContentBlock, { type: "tool_result" }>;

/**
 * An OpenAI tool message carries text only (so does the chat schema every
 * adapter takes), so any other block in a tool result is refused, named, rather
 * than dropped: the model would answer without seeing it.
 */
function toolResultText(block: ToolResultBlock, param: string): string {
  if (typeof block.content === "string") return block.content;
  return (block.content ?? [])
    .map((b, k) => {
      if (b.type === "text") return b.text;
      throw unsupported(`'${b.type}' blocks in a tool result (${param}.content[${k}]) are not supported for this model: only text is. Describe the content as text, or send it in a user turn.`, `${param}.content[${k}]`);
    })
    .join("\n");
}

function userMessages(content: AnthropicContentBlock[], i: number): Json[] {
  const out: Json[] = [];
  const parts: Json[] = [];
  content.forEach((block, j) => {
    if (block.type === "tool_result") {
      const text = toolResultText(block, `messages[${i}].content[${j}]`);
      out.push({ role: "tool", tool_call_id: block.tool_use_id, content: block.is_error ? `Error: ${text}` : text });
    } else if (block.type === "text") parts.push({ type: "text", text: block.text });
    else if (block.type === "image") parts.push({ type: "image_url", image_url: { url: imageUrl(block) } });
    else throw unsupported(`'${block.type}' blocks in user turns (messages[${i}].content[${j}]) are not supported for this model.`, `messages[${i}].content[${j}]`);
  });
  // Tool results answer the previous assistant turn, so they come first.
  if (parts.length > 0) out.push({ role: "user", content: parts });
  return out;
}

/** A Gemini thought signature (carried in a thinking block) goes back on the tool call that follows it. */
function assistantMessage(content: AnthropicContentBlock[], i: number): Json {
  let text = "";
  const toolCalls: Json[] = [];
  const thinking: Json[] = [];
  let geminiSignature: string | undefined;
  content.forEach((block, j) => {
    if (block.type === "text") text += block.text;
    else if (block.type === "tool_use") {
      const extra = geminiSignature ? { extra_content: { google: { thought_signature: geminiSignature } } } : {};
      toolCalls.push({ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) }, ...extra });
      geminiSignature = undefined;
    } else if (block.type === "thinking" && unwrapSignature(block.signature) !== undefined) geminiSignature = unwrapSignature(block.signature);
    else if (block.type === "thinking") thinking.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
    else if (block.type === "redacted_thinking") thinking.push({ type: "redacted_thinking", data: block.data });
    // An OpenAI assistant message has no place for it: refused, not dropped.
    else throw unsupported(`'${block.type}' blocks in assistant turns (messages[${i}].content[${j}]) are not supported for this model.`, `messages[${i}].content[${j}]`);
  });
  return {
    role: "assistant",
    content: text || null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(thinking.length > 0 ? { thinking_blocks: thinking } : {}),
  };
}

function reasoningEffort(r: MessagesRequest): string | undefined {
  const effort = r.output_config?.effort;
  if (effort) return effort === "xhigh" || effort === "max" ? "high" : effort;
  if (r.thinking?.type === "adaptive") return "medium";
  if (r.thinking?.type !== "enabled") return undefined;
  return r.thinking.budget_tokens <= 2_048 ? "low" : r.thinking.budget_tokens <= 8_192 ? "medium" : "high";
}

function toolChoice(r: MessagesRequest): Json {
  const choice = r.tool_choice;
  if (!choice) return {};
  const parallel = "disable_parallel_tool_use" in choice && choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {};
  if (choice.type === "auto") return { tool_choice: "auto", ...parallel };
  if (choice.type === "any") return { tool_choice: "required", ...parallel };
  if (choice.type === "none") return { tool_choice: "none" };
  return { tool_choice: { type: "function", function: { name: choice.name } }, ...parallel };
}

export function fromMessagesRequest(r: MessagesRequest, stream: boolean): ChatCompletionRequest {
  if (r.top_k !== undefined) throw unsupported("'top_k' is only supported by anthropic/* models.", "top_k");
  const messages: Json[] = [];
  if (r.system !== undefined) messages.push({ role: "system", content: textOf(r.system) });
  r.messages.forEach((m, i) => {
    const content: AnthropicContentBlock[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    if (m.role === "user") messages.push(...userMessages(content, i));
    else messages.push(assistantMessage(content, i));
  });
  const format = r.output_config?.format;
  const body: Json = {
    model: r.model,
    messages,
    // Anthropic's max_tokens counts thinking, as max_completion_tokens counts
    // reasoning; OpenAI's reasoning models (GPT-5 and later) reject max_tokens.
    max_completion_tokens: r.max_tokens,
    ...(r.stop_sequences ? { stop: r.stop_sequences } : {}),
    ...(r.temperature !== undefined ? { temperature: r.temperature } : {}),
    ...(r.top_p !== undefined ? { top_p: r.top_p } : {}),
    ...(r.tools ? { tools: r.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } })) } : {}),
    ...toolChoice(r),
    ...(reasoningEffort(r) ? { reasoning_effort: reasoningEffort(r) } : {}),
    ...(format && format.type === "json_schema" ? { response_format: { type: "json_schema", json_schema: { name: "output", schema: format.schema } } } : {}),
    ...(r.metadata?.user_id ? { user: r.metadata.user_id } : {}),
    // Usage is needed for message_delta whether or not the client cares.
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
  const parsed = chatCompletionRequestSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}
