/**
 * The cache's OpenAI Chat Completions format: a `chat.completion` object,
 * assembled from `chat.completion.chunk` events (content, refusal and other
 * text deltas concatenated, tool calls by index, log probabilities, finish
 * reasons, usage) and replayed as OpenAI streams it: a role chunk, the
 * content, the tool calls, a finish chunk per choice, a usage chunk when the
 * client asked for one (`stream_options.include_usage`), then `[DONE]`.
 */
import { z } from "zod";
import type { SseEvent } from "../providers/sse";
import { openAIUsage } from "../providers/usage";
import type { Answer, AnswerFormat, StreamAssembler } from "./answer";

const record = z.record(z.string(), z.unknown());

const completionSchema = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number(),
    model: z.string(),
    choices: z.array(z.object({ index: z.number().int().nonnegative(), message: z.object({ role: z.string() }).loose(), finish_reason: z.string().nullable() }).loose()).min(1),
    usage: record.nullable().optional(),
  })
  .loose();

const logprobsSchema = z.object({ content: z.array(z.unknown()).nullable().optional(), refusal: z.array(z.unknown()).nullable().optional() }).loose();
const chunkSchema = z
  .object({
    id: z.string().optional(),
    created: z.number().optional(),
    model: z.string().optional(),
    system_fingerprint: z.string().nullable().optional(),
    service_tier: z.string().nullable().optional(),
    choices: z.array(z.object({ index: z.number().int().nonnegative(), delta: record.nullable().optional(), finish_reason: z.string().nullable().optional(), logprobs: logprobsSchema.nullable().optional() }).loose()).optional(),
    usage: record.nullable().optional(),
    error: z.unknown().optional(),
  })
  .loose();
const toolCallDeltaSchema = z.object({ index: z.number().int().nonnegative(), id: z.string().optional(), type: z.string().optional(), function: z.object({ name: z.string().optional(), arguments: z.string().optional() }).loose().optional() }).loose();

type ToolCall = { id: string; type: string; function: { name: string; arguments: string } } & Record<string, unknown>;

interface ChoiceState {
  message: Record<string, unknown>;
  toolCalls: Map<number, ToolCall>;
  finish: string | null;
  logprobs: { content: unknown[] | null; refusal: unknown[] | null } | null;
}

class ChunkAssembler implements StreamAssembler {
  size = 0;
  private head: Answer | null = null;
  private readonly choices = new Map<number, ChoiceState>();
  private usage: Answer | null = null;
  private done = false;
  private broken = false;

  push(event: SseEvent): void {
    if (this.broken || this.done) return;
    if (event.data === "[DONE]") return void (this.done = true);
    const chunk = parseChunk(event.data);
    if (!chunk || chunk.error !== undefined) return void (this.broken = true);
    this.head ??= {
      id: chunk.id ?? "", created: chunk.created ?? 0, model: chunk.model ?? "",
      ...(chunk.system_fingerprint ? { system_fingerprint: chunk.system_fingerprint } : {}),
      ...(chunk.service_tier ? { service_tier: chunk.service_tier } : {}),
    };
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      let state = this.choices.get(choice.index);
      if (!state) this.choices.set(choice.index, (state = { message: { role: "assistant" }, toolCalls: new Map(), finish: null, logprobs: null }));
      if (choice.delta && !this.mergeDelta(state, choice.delta)) return void (this.broken = true);
      if (choice.finish_reason) state.finish = choice.finish_reason;
      if (choice.logprobs) {
        state.logprobs ??= { content: null, refusal: null };
        for (const field of ["content", "refusal"] as const) {
          const entries = choice.logprobs[field];
          if (!entries) continue;
          const list = (state.logprobs[field] ??= []);
          for (const entry of entries) list.push(entry);
          // With top_logprobs, these outweigh the text many times over: they count toward the entry bound too.
          this.size += JSON.stringify(entries).length;
        }
      }
    }
  }

  /** Text deltas concatenate, list deltas append, tool calls merge by index; any other shape is not understood (false). */
  private mergeDelta(state: ChoiceState, delta: Record<string, unknown>): boolean {
    for (const [field, value] of Object.entries(delta)) {
      if (value === null || value === undefined) continue;
      if (field === "role") state.message.role = value;
      else if (field === "tool_calls") {
        const calls = z.array(toolCallDeltaSchema).safeParse(value);
        if (!calls.success) return false;
        for (const { index, function: fn, ...rest } of calls.data) {
          // Only function calls are assembled; a call of another type (e.g. a
          // custom tool, whose input streams in another field) is not stored.
          if (rest.type !== undefined && rest.type !== "function") return false;
          const call: ToolCall = state.toolCalls.get(index) ?? { id: "", type: "function", function: { name: "", arguments: "" } };
          Object.assign(call, rest);
          call.function.name += fn?.name ?? "";
          call.function.arguments += fn?.arguments ?? "";
          this.size += (fn?.arguments?.length ?? 0) + (fn?.name?.length ?? 0) + (Object.keys(rest).length > 0 ? JSON.stringify(rest).length : 0);
          state.toolCalls.set(index, call);
        }
      } else if (typeof value === "string") {
        state.message[field] = `${(state.message[field] as string | undefined) ?? ""}${value}`;
        this.size += value.length;
      } else if (Array.isArray(value)) {
        state.message[field] = [...((state.message[field] as unknown[] | undefined) ?? []), ...value];
        this.size += JSON.stringify(value).length;
      } else return false;
    }
    return true;
  }

  answer(usage: Parameters<StreamAssembler["answer"]>[0]): Answer | null {
    if (this.broken || !this.done || !this.head || this.choices.size === 0) return null;
    const choices = [...this.choices.entries()].sort(([a], [b]) => a - b).map(([index, state]) => {
      const toolCalls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
      const content = state.message.content ?? null;
      const message = { ...state.message, content: content === "" && toolCalls.length > 0 ? null : content, refusal: state.message.refusal ?? null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
      return { index, message, logprobs: state.logprobs, finish_reason: state.finish };
    });
    const counted = this.usage ?? (usage ? openAIUsage(usage) : null);
    return { ...this.head, object: "chat.completion", choices, ...(counted ? { usage: counted } : {}) };
  }
}

function parseChunk(data: string): z.infer<typeof chunkSchema> | null {
  try {
    const chunk = chunkSchema.safeParse(JSON.parse(data));
    return chunk.success ? chunk.data : null;
  } catch {
    return null;
  }
}

/** Leaves out what a delta does not carry: empty text and lists, nulls. */
const present = (value: unknown) => value !== null && value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0);

function replay(answer: Answer, { includeUsage }: { includeUsage: boolean }): SseEvent[] {
  const completion = completionSchema.parse(answer);
  const { id, created, model, system_fingerprint, service_tier } = completion;
  const base = { id, object: "chat.completion.chunk", created, model, ...(system_fingerprint ? { system_fingerprint } : {}), ...(service_tier ? { service_tier } : {}) };
  // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
  const chunk = (choice: Record<string, unknown>): SseEvent => ({ data: JSON.stringify({ ...base, choices: [{ logprobs: null, finish_reason: null, ...choice }], ...(includeUsage ? { usage: null } : {}) }) });
  const events: SseEvent[] = [];
  for (const choice of completion.choices) {
    const { role, tool_calls: toolCalls, ...rest } = choice.message;
    const calls = Array.isArray(toolCalls) ? (toolCalls as Record<string, unknown>[]) : [];
    events.push(chunk({ index: choice.index, delta: { role, content: calls.length > 0 && rest.content == null ? null : "" } }));
    const delta = Object.fromEntries(Object.entries(rest).filter(([, v]) => present(v)));
    if (Object.keys(delta).length > 0) events.push(chunk({ index: choice.index, delta }));
    if (calls.length > 0) events.push(chunk({ index: choice.index, delta: { tool_calls: calls.map((call, index) => ({ index, ...call })) } }));
    events.push(chunk({ index: choice.index, delta: {}, logprobs: choice.logprobs ?? null, finish_reason: choice.finish_reason }));
  }
  if (includeUsage && completion.usage) events.push({ data: JSON.stringify({ ...base, choices: [], usage: completion.usage }) });
  events.push({ data: "[DONE]" });
  return events;
}

/**
 * Whether every function call's arguments are complete JSON. An answer cut
 * off by the token limit (finish_reason "length") partway through a call
 * ends with arguments that do not parse: it is not a complete answer, and a
 * replay would hand every later client the broken call. (Empty arguments are
 * not JSON either; such an answer just goes uncached.)
 */
function callsComplete(message: Record<string, unknown>): boolean {
  const calls = z.array(z.object({ type: z.string().optional(), function: z.object({ arguments: z.unknown() }).loose().optional() }).loose()).safeParse(message.tool_calls ?? []);
  if (!calls.success) return false;
  return calls.data.every((call) => {
    if (call.type !== undefined && call.type !== "function") return true;
    if (typeof call.function?.arguments !== "string") return false;
    try {
      JSON.parse(call.function.arguments);
      return true;
    } catch {
      return false;
    }
  });
}

export const openAIAnswer: AnswerFormat = {
  schema: completionSchema,
  storable: (answer) =>
    completionSchema.safeParse(answer).data?.choices.every((c) => c.finish_reason !== null && c.finish_reason !== "content_filter" && callsComplete(c.message)) ?? false,
  assembler: () => new ChunkAssembler(),
  replay,
};
