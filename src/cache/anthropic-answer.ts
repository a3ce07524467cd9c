/**
 * The cache's Anthropic Messages format: a `message` object, assembled from
 * the stream's events (message_start, content blocks with their text,
 * input_json, thinking, signature and citations deltas, message_delta's stop
 * reason and usage, message_stop) and replayed in the same order: each block
 * opened empty, its content in one delta, closed; then message_delta and
 * message_stop.
 */
import { z } from "zod";
import type { SseEvent } from "../providers/sse";
import type { Answer, AnswerFormat, StreamAssembler } from "./answer";

const record = z.record(z.string(), z.unknown());
const blockSchema = z.object({ type: z.string() }).loose();

const messageSchema = z
  .object({
    id: z.string(),
    type: z.literal("message"),
    role: z.string(),
    model: z.string(),
    content: z.array(blockSchema),
    stop_reason: z.string().nullable(),
    stop_sequence: z.string().nullable().optional(),
    usage: record,
  })
  .loose();

const eventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("message_start"), message: record }).loose(),
  z.object({ type: z.literal("content_block_start"), index: z.number().int().nonnegative(), content_block: blockSchema }).loose(),
  z.object({ type: z.literal("content_block_delta"), index: z.number().int().nonnegative(), delta: z.object({ type: z.string() }).loose() }).loose(),
  z.object({ type: z.literal("content_block_stop"), index: z.number().int().nonnegative() }).loose(),
  z.object({ type: z.literal("message_delta"), delta: z.object({ stop_reason: z.string().nullable().optional(), stop_sequence: z.string().nullable().optional() }).loose(), usage: record.nullable().optional() }).loose(),
  z.object({ type: z.literal("message_stop") }).loose(),
  z.object({ type: z.literal("error") }).loose(),
]);

const EVENT_TYPES: ReadonlySet<string> = new Set(eventSchema.options.map((o) => o.shape.type.value));

/** The string field a delta type appends to. */
const TEXT_DELTAS: Record<string, [field: string, blockField: string]> = {
  text_delta: ["text", "text"],
  thinking_delta: ["thinking", "thinking"],
  signature_delta: ["signature", "signature"],
};

class EventAssembler implements StreamAssembler {
  size = 0;
  private message: Answer | null = null;
  private readonly blocks: Answer[] = [];
  private readonly partialJson = new Map<number, string>();
  private stopped = false;
  private broken = false;

  push(event: SseEvent): void {
    if (this.broken || this.stopped) return;
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      return void (this.broken = true);
    }
    const type = z.object({ type: z.string() }).loose().safeParse(json);
    // Events not listed (ping, or one Anthropic adds later) carry no content.
    if (type.success && !EVENT_TYPES.has(type.data.type)) return;
    const parsed = eventSchema.safeParse(json);
    if (!parsed.success) return void (this.broken = true);
    const e = parsed.data;
    // Held whole (a server tool's result can be large): they count toward the entry bound like a delta's text.
    if (e.type === "message_start" || e.type === "content_block_start") this.size += event.data.length;
    if (e.type === "error") this.broken = true;
    else if (e.type === "message_start") this.message = { ...e.message, content: [] };
    else if (e.type === "content_block_start") this.blocks[e.index] = { ...e.content_block };
    else if (e.type === "content_block_delta") this.delta(e.index, e.delta);
    else if (e.type === "content_block_stop") this.closeBlock(e.index);
    else if (e.type === "message_delta") {
      if (!this.message) return void (this.broken = true);
      Object.assign(this.message, { stop_reason: e.delta.stop_reason ?? null, stop_sequence: e.delta.stop_sequence ?? null });
      this.message.usage = { ...(this.message.usage as Answer | undefined), ...e.usage };
    } else this.stopped = true;
  }

  private delta(index: number, delta: { type: string } & Record<string, unknown>): void {
    const block = this.blocks[index];
    if (!block) return void (this.broken = true);
    const text = TEXT_DELTAS[delta.type];
    if (text && typeof delta[text[0]] === "string") {
      const piece = delta[text[0]] as string;
      block[text[1]] = `${(block[text[1]] as string | undefined) ?? ""}${piece}`;
      this.size += piece.length;
    } else if (delta.type === "input_json_delta" && typeof delta.partial_json === "string") {
      this.partialJson.set(index, (this.partialJson.get(index) ?? "") + delta.partial_json);
      this.size += delta.partial_json.length;
    } else if (delta.type === "citations_delta" && delta.citation !== undefined) {
      block.citations = [...((block.citations as unknown[] | undefined) ?? []), delta.citation];
      this.size += JSON.stringify(delta.citation).length;
    } else this.broken = true;
  }

  /** A tool input streamed as JSON text becomes the block's input once the block is complete. */
  private closeBlock(index: number): void {
    const json = this.partialJson.get(index);
    if (json === undefined) return;
    this.partialJson.delete(index);
    try {
      this.blocks[index]!.input = JSON.parse(json || "{}");
    } catch {
      this.broken = true;
    }
  }

  answer(): Answer | null {
    // A tool input never closed is not known to be complete.
    if (this.broken || !this.stopped || !this.message || this.partialJson.size > 0) return null;
    // A hole (a block that never started) means events were lost.
    if (this.blocks.length !== Object.keys(this.blocks).length) return null;
    return { ...this.message, content: this.blocks };
  }
}

const ev = (type: string, payload: Record<string, unknown> = {}): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

/** A block opened empty, as Anthropic opens it, and the deltas that fill it. */
function blockEvents(index: number, block: Answer): SseEvent[] {
  const delta = (d: Record<string, unknown>) => ev("content_block_delta", { index, delta: d });
  const start = (b: Answer) => ev("content_block_start", { index, content_block: b });
  if (block.type === "text" && typeof block.text === "string") {
    return [start({ ...block, text: "" }), ...(block.text ? [delta({ type: "text_delta", text: block.text })] : [])];
  }
  if (block.type === "thinking") {
    const events = [start({ ...block, thinking: "", signature: "" })];
    if (typeof block.thinking === "string" && block.thinking) events.push(delta({ type: "thinking_delta", thinking: block.thinking }));
    if (typeof block.signature === "string" && block.signature) events.push(delta({ type: "signature_delta", signature: block.signature }));
    return events;
  }
  if ("input" in block) return [start({ ...block, input: {} }), delta({ type: "input_json_delta", partial_json: JSON.stringify(block.input ?? {}) })];
  // Blocks that arrive whole (redacted thinking, server tool results).
  return [start(block)];
}

function replay(answer: Answer): SseEvent[] {
  const message = messageSchema.parse(answer);
  const { content, stop_reason: stopReason, stop_sequence: stopSequence, usage, ...rest } = message;
  const events = [ev("message_start", { message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } })];
  for (const [index, block] of content.entries()) events.push(...blockEvents(index, block), ev("content_block_stop", { index }));
  events.push(ev("message_delta", { delta: { stop_reason: stopReason, stop_sequence: stopSequence ?? null }, usage }), ev("message_stop"));
  return events;
}

export const anthropicAnswer: AnswerFormat = {
  schema: messageSchema,
  storable: (answer) => {
    const message = messageSchema.safeParse(answer).data;
    const reason = message?.stop_reason;
    if (typeof reason !== "string" || reason === "refusal") return false;
    // Cut off by max_tokens in a tool call: its input is incomplete (Anthropic
    // says to retry with a larger max_tokens), though a JSON answer carries it
    // parsed. A stream's cut input does not parse and never gets here.
    return !(reason === "max_tokens" && message?.content.at(-1)?.input !== undefined);
  },
  assembler: () => new EventAssembler(),
  replay,
};
