/**
 * OpenAI chat chunk stream → Responses API events, for /v1/responses on
 * routes that do not speak the Responses API. OpenAI's order: response.created
 * and response.in_progress, then per output item output_item.added, its
 * content events and output_item.done, and last response.completed (or
 * response.incomplete) with the whole response and its usage; an upstream
 * failure ends the stream with response.failed. Every event carries its type
 * (also as the SSE event name) and a sequence_number from 0.
 */
import { z } from "zod";
import { openAIUsageSchema, toUsage } from "../../providers/openai-compatible/usage";
import type { ThinkingBlock } from "../../providers/chat-schema";
import type { SseEvent } from "../../providers/sse";
import { parseJson, type SseTranslator } from "../../providers/sse-translator";
import { readChunkWith } from "../messages/openai-chunk";
import type { Usage } from "../../providers/types";
import { functionCallItem, itemId, messageItem, outputTextPart, reasoningItem, responseEnvelope, statusOf, type Json, type ResponseContext, type Status } from "./response-object";
import { extraContentSchema } from "./to-response";

export const chunkSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            delta: z
              .object({
                content: z.string().nullable().optional(),
                reasoning_content: z.string().nullable().optional(),
                thinking_blocks: z.array(z.union([z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }).loose(), z.object({ type: z.literal("redacted_thinking"), data: z.string() }).loose()])).optional(),
                tool_calls: z.array(z.object({ index: z.number(), id: z.string().optional(), function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).loose().optional(), extra_content: extraContentSchema }).loose()).optional(),
              })
              .loose()
              .optional(),
            finish_reason: z.string().nullable().optional(),
          })
          .loose(),
      )
      .optional(),
    usage: openAIUsageSchema.nullable().optional(),
    error: z.object({ message: z.string().optional(), code: z.string().nullable().optional() }).loose().optional(),
  })
  .loose();

type ChunkToolCall = NonNullable<NonNullable<NonNullable<z.infer<typeof chunkSchema>["choices"]>[number]["delta"]>["tool_calls"]>[number];

type Open =
  | { kind: "reasoning"; index: number; text: string; thinking: ThinkingBlock[] }
  | { kind: "message"; index: number; text: string }
  | { kind: "call"; index: number; toolIndex: number; id: string; name: string; arguments: string };

export function chatToResponsesStream(ctx: ResponseContext): SseTranslator {
  let sequence = 0;
  let started = false;
  let usage: Usage | null = null;
  let finish: string | null = null;
  let state: "complete" | "incomplete" | "failed" = "incomplete";
  let open: Open | null = null;
  const output: Json[] = [];

  const ev = (type: string, payload: Json): SseEvent => ({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...payload }) });
  const envelope = (status: Status, extra: { incomplete_details?: Json | null; error?: Json | null } = {}) =>
    responseEnvelope(ctx, { status, ...extra, output: status === "in_progress" ? [] : output, usage, final: status !== "in_progress" });

  const close = (out: SseEvent[]) => {
    const item = open;
    if (!item) return;
    open = null;
    const at = { output_index: item.index };
    if (item.kind === "reasoning") {
      const done = reasoningItem(ctx, item.index, item.text, item.thinking, {});
      if (item.text) {
        const part = { type: "summary_text", text: item.text };
        out.push(ev("response.reasoning_summary_text.done", { item_id: done.id, ...at, summary_index: 0, text: item.text }));
        out.push(ev("response.reasoning_summary_part.done", { item_id: done.id, ...at, summary_index: 0, part }));
      }
      output.push(done);
      out.push(ev("response.output_item.done", { ...at, item: done }));
    } else if (item.kind === "message") {
      const done = messageItem(ctx, item.index, item.text, finish === "length" ? "incomplete" : "completed");
      const at2 = { item_id: done.id, ...at, content_index: 0 };
      out.push(ev("response.output_text.done", { ...at2, text: item.text, logprobs: [] }));
      out.push(ev("response.content_part.done", { ...at2, part: outputTextPart(item.text) }));
      output.push(done);
      out.push(ev("response.output_item.done", { ...at, item: done }));
    } else {
      const done = functionCallItem(ctx, item.index, item, "completed");
      out.push(ev("response.function_call_arguments.done", { item_id: done.id, ...at, arguments: item.arguments }));
      output.push(done);
      out.push(ev("response.output_item.done", { ...at, item: done }));
    }
  };
  const nextIndex = () => output.length + (open ? 1 : 0);

  const openReasoning = (out: SseEvent[]): Extract<Open, { kind: "reasoning" }> => {
    if (open?.kind === "reasoning") return open;
    close(out);
    const item: Extract<Open, { kind: "reasoning" }> = { kind: "reasoning", index: nextIndex(), text: "", thinking: [] };
    open = item;
    out.push(ev("response.output_item.added", { output_index: item.index, item: { id: itemId(ctx, "rs", item.index), type: "reasoning", summary: [] } }));
    return item;
  };

  const reasoningText = (out: SseEvent[], delta: string) => {
    const item = openReasoning(out);
    const at = { item_id: itemId(ctx, "rs", item.index), output_index: item.index, summary_index: 0 };
    if (!item.text) out.push(ev("response.reasoning_summary_part.added", { ...at, part: { type: "summary_text", text: "" } }));
    item.text += delta;
    out.push(ev("response.reasoning_summary_text.delta", { ...at, delta }));
  };

  const text = (out: SseEvent[], delta: string) => {
    if (open?.kind !== "message") {
      close(out);
      open = { kind: "message", index: nextIndex(), text: "" };
      const id = itemId(ctx, "msg", open.index);
      out.push(ev("response.output_item.added", { output_index: open.index, item: { id, type: "message", status: "in_progress", role: "assistant", content: [] } }));
      out.push(ev("response.content_part.added", { item_id: id, output_index: open.index, content_index: 0, part: outputTextPart("") }));
    }
    open.text += delta;
    out.push(ev("response.output_text.delta", { item_id: itemId(ctx, "msg", open.index), output_index: open.index, content_index: 0, delta, logprobs: [] }));
  };

  const toolCall = (out: SseEvent[], call: ChunkToolCall) => {
    if (open?.kind !== "call" || open.toolIndex !== call.index) {
      close(out);
      const id = call.id ?? `call_${call.index}`;
      const signature = call.extra_content?.google?.thought_signature;
      if (signature) {
        // Gemini's signature rides in a reasoning item right before its call, as in the JSON answer.
        const item = reasoningItem(ctx, output.length, "", [], { [id]: signature });
        out.push(ev("response.output_item.added", { output_index: output.length, item }));
        out.push(ev("response.output_item.done", { output_index: output.length, item }));
        output.push(item);
      }
      open = { kind: "call", index: output.length, toolIndex: call.index, id, name: call.function?.name ?? "", arguments: "" };
      out.push(ev("response.output_item.added", { output_index: open.index, item: functionCallItem(ctx, open.index, { ...open, arguments: "" }, "in_progress") }));
    }
    const delta = call.function?.arguments;
    if (delta && open.kind === "call") {
      open.arguments += delta;
      out.push(ev("response.function_call_arguments.delta", { item_id: itemId(ctx, "fc", open.index), output_index: open.index, delta }));
    }
  };

  const fail = (out: SseEvent[], code: string, message: string) => {
    state = "failed";
    open = null;
    out.push(ev("response.failed", { response: envelope("failed", { error: { code, message } }) }));
  };

  const translate = (e: SseEvent, out: SseEvent[]) => {
    if (state !== "incomplete") return;
    if (e.data === "[DONE]") {
      close(out);
      const { status, incomplete_details } = statusOf(finish);
      out.push(ev(status === "completed" ? "response.completed" : "response.incomplete", { response: envelope(status, { incomplete_details }) }));
      state = "complete";
      return;
    }
    // The provider's translator may hand over its own parse of the event (SseEvent.parsed); the common chunk is read by hand.
    const chunk = readChunkWith(e.parsed !== undefined ? e.parsed : parseJson(e.data), chunkSchema);
    if (!chunk) return;
    if (!started) {
      started = true;
      out.push(ev("response.created", { response: envelope("in_progress") }));
      out.push(ev("response.in_progress", { response: envelope("in_progress") }));
    }
    if (chunk.error) return fail(out, chunk.error.code === "upstream_unavailable" ? "server_error" : (chunk.error.code ?? "server_error"), chunk.error.message ?? "The upstream provider failed mid-stream.");
    if (chunk.usage) usage = toUsage(chunk.usage);
    for (const choice of chunk.choices ?? []) {
      const d = choice.delta ?? {};
      if (d.reasoning_content) reasoningText(out, d.reasoning_content);
      if (d.thinking_blocks?.length) openReasoning(out).thinking.push(...d.thinking_blocks.map((b): ThinkingBlock => (b.type === "thinking" ? { type: b.type, thinking: b.thinking, signature: b.signature } : { type: b.type, data: b.data })));
      if (d.content) text(out, d.content);
      for (const call of d.tool_calls ?? []) toolCall(out, call);
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
    error(code, message) {
      const out: SseEvent[] = [];
      fail(out, code, message);
      return out;
    },
  };
}
