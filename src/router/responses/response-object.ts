/**
 * The pieces of OpenAI's Response object that the JSON and the stream
 * translations share: the envelope (with the request's settings echoed, as
 * OpenAI echoes them), output items and usage. Item ids are derived from the
 * response id, so one response's ids are stable and distinct.
 */
import type { ThinkingBlock } from "../../providers/chat-schema";
import type { ResponsesRequest } from "../../providers/responses/schema";
import type { Usage } from "../../providers/types";
import { encodeReasoning } from "./reasoning-carrier";

export interface ResponseContext {
  /** "resp_…", made by the route. */
  id: string;
  /** Seconds since epoch. */
  createdAt: number;
  /** The catalogue id the client asked for. */
  model: string;
  request: ResponsesRequest;
}

export type Json = Record<string, unknown>;
export type Status = "in_progress" | "completed" | "incomplete" | "failed";

export const itemId = (ctx: ResponseContext, prefix: "msg" | "fc" | "rs", index: number) => `${prefix}_${ctx.id.slice("resp_".length)}${index.toString(16).padStart(2, "0")}`;

/** OpenAI's usage; reasoning tokens are a breakdown of output tokens, cached tokens of input tokens. */
function responsesUsage(u: Usage | null) {
  const input = u?.promptTokens ?? 0;
  const output = u?.completionTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u?.cachedTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: u?.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}

/**
 * The finish reason's status: `length` ran out of max_output_tokens,
 * `content_filter` was stopped by the provider's filter, as OpenAI reports them.
 */
export function statusOf(finish: string | null): { status: Status; incomplete_details: Json | null } {
  if (finish === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finish === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/** The whole Response object; `output` and `usage` are null-able while a stream runs. */
export function responseEnvelope(ctx: ResponseContext, state: { status: Status; incomplete_details?: Json | null; error?: Json | null; output: Json[]; usage: Usage | null; final: boolean }): Json {
  const r = ctx.request;
  return {
    id: ctx.id,
    object: "response",
    created_at: ctx.createdAt,
    status: state.status,
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incomplete_details ?? null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    max_tool_calls: null,
    model: ctx.model,
    output: state.output,
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    service_tier: r.service_tier ?? "default",
    store: false,
    temperature: r.temperature ?? 1,
    text: { format: r.text?.format ?? { type: "text" }, verbosity: r.text?.verbosity ?? "medium" },
    tool_choice: r.tool_choice ?? "auto",
    // strict as sent: translated routes enforce no schema the client did not ask for.
    tools: (r.tools ?? []).map((t) => ({ description: null, parameters: null, strict: null, ...t })),
    top_p: r.top_p ?? 1,
    truncation: "disabled",
    usage: state.final ? responsesUsage(state.usage) : null,
    user: r.user ?? null,
    metadata: r.metadata ?? {},
  };
}

export function messageItem(ctx: ResponseContext, index: number, text: string, status: Status): Json {
  return { id: itemId(ctx, "msg", index), type: "message", status, role: "assistant", content: [outputTextPart(text)] };
}

export const outputTextPart = (text: string): Json => ({ type: "output_text", text, annotations: [] });

export function functionCallItem(ctx: ResponseContext, index: number, call: { id: string; name: string; arguments: string }, status: Status): Json {
  return { id: itemId(ctx, "fc", index), type: "function_call", status, arguments: call.arguments, call_id: call.id, name: call.name };
}

/**
 * A reasoning item: the reasoning text as its summary, and what the next turn
 * needs (signed thinking, thought signatures) as encrypted_content. It is sent
 * whenever there is something to carry, asked for or not: without it Claude
 * (thinking with tool use) and Gemini 3 (tool calls) refuse the next turn.
 */
export function reasoningItem(ctx: ResponseContext, index: number, text: string, thinking: readonly ThinkingBlock[], signatures: Readonly<Record<string, string>>): Json {
  const encrypted = encodeReasoning(thinking, signatures);
  return {
    id: itemId(ctx, "rs", index),
    type: "reasoning",
    summary: text ? [{ type: "summary_text", text }] : [],
    ...(encrypted !== undefined ? { encrypted_content: encrypted } : {}),
  };
}
