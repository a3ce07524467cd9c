/**
 * OpenAI chat completion (JSON or chunk stream) → Anthropic Messages format,
 * for /v1/messages on models that are not Anthropic's. The stream keeps
 * Anthropic's event order: message_start, content blocks (start, deltas, stop),
 * message_delta with stop_reason and usage, message_stop.
 */
import { z } from "zod";
import { anthropicErrorEvent } from "../../providers/anthropic/passthrough";
import { parseJson, type SseTranslator } from "../../providers/sse-translator";
import type { SseEvent } from "../../providers/sse";
import { openAIUsageSchema, toUsage } from "../../providers/openai-compatible/usage";
import type { Usage } from "../../providers/types";
import { extraContentSchema, readChunk } from "./openai-chunk";
import { signatureBlock, wrapSignature } from "./thought-signature";

const STOP: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", function_call: "tool_use", content_filter: "refusal" };
const stopReason = (finish: string | null | undefined) => (finish ? (STOP[finish] ?? "end_turn") : "end_turn");

/** Reasoning tokens become Anthropic's thinking_tokens, a breakdown of output_tokens as they are of completion_tokens. */
export function anthropicUsageOf(u: Usage | null) {
  return {
    input_tokens: u ? u.promptTokens - u.cachedTokens : 0,
    output_tokens: u?.completionTokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u?.cachedTokens ?? 0,
    ...(u && u.reasoningTokens > 0 ? { output_tokens_details: { thinking_tokens: u.reasoningTokens } } : {}),
  };
}

const toolCallSchema = z.object({ id: z.string(), function: z.object({ name: z.string(), arguments: z.string() }).loose(), extra_content: extraContentSchema }).loose();
const completionSchema = z
  .object({
    id: z.string(),
    choices: z.array(
      z.object({
        message: z.object({ content: z.string().nullable().optional(), tool_calls: z.array(toolCallSchema).nullable().optional(), reasoning_content: z.string().nullable().optional() }).loose(),
        finish_reason: z.string().nullable(),
      }).loose(),
    ).min(1),
    usage: openAIUsageSchema.nullable().optional(),
  })
  .loose();

function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text || "{}");
  } catch {
    return {};
  }
}

export function toAnthropicMessage(completionJson: unknown, model: string) {
  const completion = completionSchema.parse(completionJson);
  const choice = completion.choices[0]!;
  const content: Record<string, unknown>[] = [];
  if (choice.message.reasoning_content) content.push({ type: "thinking", thinking: choice.message.reasoning_content, signature: "" });
  if (choice.message.content) content.push({ type: "text", text: choice.message.content });
  for (const call of choice.message.tool_calls ?? []) {
    const signature = call.extra_content?.google?.thought_signature;
    if (signature) content.push(signatureBlock(signature));
    content.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseArgs(call.function.arguments) });
  }
  return {
    id: completion.id.startsWith("msg_") ? completion.id : `msg_${completion.id}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsageOf(completion.usage ? toUsage(completion.usage) : null),
  };
}

const ev = (type: string, payload: Record<string, unknown>): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

export function openAIToAnthropicStream(model: string): SseTranslator {
  let started = false;
  let usage: Usage | null = null;
  let finish: string | null = null;
  let state: "complete" | "incomplete" | "failed" = "incomplete";
  let nextIndex = 0;
  let open: { index: number; kind: "text" | "thinking" | "tool"; toolIndex?: number } | null = null;

  const close = (out: SseEvent[]) => {
    if (open) out.push(ev("content_block_stop", { index: open.index }));
    open = null;
  };
  const openBlock = (out: SseEvent[], kind: "text" | "thinking" | "tool", block: Record<string, unknown>, toolIndex?: number) => {
    close(out);
    open = { index: nextIndex++, kind, ...(toolIndex !== undefined ? { toolIndex } : {}) };
    out.push(ev("content_block_start", { index: open.index, content_block: block }));
  };

  const translate = (e: SseEvent, out: SseEvent[]) => {
    if (e.data === "[DONE]") {
      close(out);
      out.push(ev("message_delta", { delta: { stop_reason: stopReason(finish), stop_sequence: null }, usage: anthropicUsageOf(usage) }));
      out.push(ev("message_stop", {}));
      state = "complete";
      return;
    }
    // The provider's translator may hand over its own parse of the event (SseEvent.parsed).
    const chunk = readChunk(e.parsed !== undefined ? e.parsed : parseJson(e.data));
    if (!chunk) return;
    if (chunk.error) {
      state = "failed";
      out.push(...anthropicErrorEvent(chunk.error.code === "upstream_unavailable" ? "overloaded_error" : "api_error", chunk.error.message ?? "The upstream provider failed mid-stream."));
      return;
    }
    if (!started) {
      started = true;
      const id = chunk.id?.startsWith("msg_") ? chunk.id : `msg_${chunk.id ?? crypto.randomUUID()}`;
      out.push(ev("message_start", { message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: anthropicUsageOf(null) } }));
    }
    if (chunk.usage) usage = toUsage(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      if (d.reasoning_content) {
        if (open?.kind !== "thinking") openBlock(out, "thinking", { type: "thinking", thinking: "", signature: "" });
        out.push(ev("content_block_delta", { index: open!.index, delta: { type: "thinking_delta", thinking: d.reasoning_content } }));
      }
      if (d.content) {
        if (open?.kind !== "text") openBlock(out, "text", { type: "text", text: "" });
        out.push(ev("content_block_delta", { index: open!.index, delta: { type: "text_delta", text: d.content } }));
      }
      for (const call of d.tool_calls ?? []) {
        if (open?.kind !== "tool" || open.toolIndex !== call.index) {
          const signature = call.extra_content?.google?.thought_signature;
          if (signature) {
            openBlock(out, "thinking", { type: "thinking", thinking: "", signature: "" });
            out.push(ev("content_block_delta", { index: open!.index, delta: { type: "signature_delta", signature: wrapSignature(signature) } }));
          }
          openBlock(out, "tool", { type: "tool_use", id: call.id ?? `toolu_${call.index}`, name: call.function?.name ?? "", input: {} }, call.index);
        }
        if (call.function?.arguments) out.push(ev("content_block_delta", { index: open!.index, delta: { type: "input_json_delta", partial_json: call.function.arguments } }));
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  };

  return {
    push(events) {
      const out: SseEvent[] = [];
      for (const e of events) translate(e, out);
      return out;
    },
    end: () => ({ events: [], state }),
    usage: () => usage,
    error: (_code, message) => anthropicErrorEvent("api_error", message),
  };
}
