/**
 * Anthropic Messages stream events → OpenAI chat.completion.chunk events.
 * Text, thinking (as `reasoning_content`, with the signed block re-emitted as
 * `thinking_blocks` when it closes, for multi-turn use) and tool calls (with
 * arguments streamed as deltas, one OpenAI tool index per tool_use block).
 */
import type { ApiError } from "../../shared/errors";
import { GeneratedText, addAnthropicEvent } from "../generated";
import { openAIErrorEvent, parseEventData, type CommittingTranslator } from "../sse-translator";
import { inStreamError } from "../stream-failure";
import type { SseEvent } from "../sse";
import type { Usage } from "../types";
import { anthropicUsage, finishReason, mergeUsage, openAIUsage } from "./response";
import { streamEventSchema, type AnthropicUsage } from "./schema";

interface BlockState {
  type: string;
  toolIndex?: number;
  thinking?: string;
  signature?: string;
}

export function anthropicToOpenAIStream(opts: { clientWantsUsage: boolean }): CommittingTranslator {
  let id = "msg";
  let model = "";
  const created = Math.floor(Date.now() / 1000);
  let rawUsage: AnthropicUsage = {};
  let finish: string | null = null;
  let state: "complete" | "incomplete" | "failed" = "incomplete";
  let tools = 0;
  let failure: ApiError | null = null;
  const blocks = new Map<number, BlockState>();
  const generated = new GeneratedText();

  // Every chunk but message_start's role-only one carries content (text, reasoning, a tool call, a finish).
  let committed = false;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): SseEvent => {
    committed ||= !("role" in delta);
    return { data: JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] }) };
  };

  const translate = (event: SseEvent): SseEvent[] => {
    const e = parseEventData(event.data, streamEventSchema);
    if (!e) return [];
    addAnthropicEvent(e, generated);
    switch (e.type) {
      case "message_start":
        id = e.message.id ?? id;
        model = e.message.model ?? model;
        rawUsage = mergeUsage(rawUsage, e.message.usage);
        return [chunk({ role: "assistant", content: "" })];
      case "content_block_start": {
        const b = e.content_block as Record<string, unknown>;
        if (b.type === "tool_use") {
          const toolIndex = tools++;
          blocks.set(e.index, { type: "tool_use", toolIndex });
          return [chunk({ tool_calls: [{ index: toolIndex, id: b.id, type: "function", function: { name: b.name, arguments: "" } }] })];
        }
        blocks.set(e.index, { type: String(b.type), thinking: "" });
        if (b.type === "redacted_thinking") return [chunk({ thinking_blocks: [{ type: "redacted_thinking", data: b.data }] })];
        if (b.type === "text" && typeof b.text === "string" && b.text) return [chunk({ content: b.text })];
        return [];
      }
      case "content_block_delta": {
        const d = e.delta as Record<string, unknown>;
        const block = blocks.get(e.index);
        if (d.type === "text_delta") return [chunk({ content: d.text })];
        if (d.type === "thinking_delta" && block) {
          block.thinking += String(d.thinking ?? "");
          return [chunk({ reasoning_content: d.thinking })];
        }
        if (d.type === "signature_delta" && block) block.signature = String(d.signature ?? "");
        if (d.type === "input_json_delta" && block?.toolIndex !== undefined) {
          return [chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: d.partial_json } }] })];
        }
        return [];
      }
      case "content_block_stop": {
        const block = blocks.get(e.index);
        if (block?.type === "thinking" && block.signature) {
          return [chunk({ thinking_blocks: [{ type: "thinking", thinking: block.thinking, signature: block.signature }] })];
        }
        return [];
      }
      case "message_delta":
        finish = finishReason(e.delta.stop_reason) ?? finish;
        rawUsage = mergeUsage(rawUsage, e.usage);
        return [];
      case "message_stop": {
        state = "complete";
        const out = [chunk({}, finish ?? "stop")];
        if (opts.clientWantsUsage) {
          out.push({ data: JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: openAIUsage(anthropicUsage(rawUsage)) }) });
        }
        out.push({ data: "[DONE]" });
        return out;
      }
      case "error":
        state = "failed";
        failure = inStreamError("Anthropic", e.error.type);
        return openAIErrorEvent(failure.code, failure.message);
      case "ping":
        return [];
    }
  };

  return {
    push: (events) => events.flatMap(translate),
    end: () => ({ events: [], state }),
    committed: () => committed,
    failure: () => failure,
    usage: (): Usage | null => (rawUsage.input_tokens == null && rawUsage.output_tokens == null ? null : anthropicUsage(rawUsage)),
    generated: () => generated.text(),
    error: openAIErrorEvent,
  };
}
