/**
 * What a cache entry holds, and how an answer gets there and back
 * (docs/cache.md, "What is stored"): the complete non-stream answer in the
 * API format the request came in through. A miss builds it from the response
 * as it passes to the client (the JSON body, or the stream's events, assembled
 * as they go); a hit renders it as JSON, or replays it as a stream in that
 * format. The formats themselves are in openai-answer.ts and
 * anthropic-answer.ts.
 */
import { z } from "zod";
import { SseParser, type SseEvent } from "../providers/sse";
import type { Usage } from "../providers/types";
import { anthropicAnswer } from "./anthropic-answer";
import type { ApiFormat } from "./key";
import { openAIAnswer } from "./openai-answer";
import { CACHE_MAX_ENTRY_BYTES } from "./store";

/** A complete answer, as the API's non-stream response body. */
export type Answer = Record<string, unknown>;

/** Builds the complete answer from a stream's events as they pass. */
export interface StreamAssembler {
  push(event: SseEvent): void;
  /** Characters of answer gathered so far (what the assembler holds, roughly). */
  readonly size: number;
  /**
   * The complete answer, or null when the stream made none (an error event,
   * no end, a shape this assembler does not know). `usage`: the call's own
   * count, for a stream that did not carry it to the client.
   */
  answer(usage: Usage | null): Answer | null;
}

/** One API format's part in the cache. */
export interface AnswerFormat {
  /** The answer as stored and as a non-stream response body. */
  schema: z.ZodType<Answer>;
  /** Whether an answer may be kept: a finish reason reached on every choice, not a filter's, and no tool call cut short. */
  storable(answer: Answer): boolean;
  assembler(): StreamAssembler;
  /** The events of a stream that delivers `answer`, in this format. */
  replay(answer: Answer, options: { includeUsage: boolean }): SseEvent[];
}

export const ANSWER_FORMATS: Record<ApiFormat, AnswerFormat> = { "openai-chat": openAIAnswer, "anthropic-messages": anthropicAnswer };

/** The entry's plaintext: versioned, so a change of envelope makes old entries misses rather than errors. */
const storedSchema = z.object({ v: z.literal(1), format: z.enum(["openai-chat", "anthropic-messages"]), answer: z.record(z.string(), z.unknown()) });

export function storedText(format: ApiFormat, answer: Answer): string {
  return JSON.stringify({ v: 1, format, answer });
}

/** The stored answer, when the plaintext is one for `format` (anything else is a miss). */
export function storedAnswer(plaintext: string, format: ApiFormat): Answer | null {
  let json: unknown;
  try {
    json = JSON.parse(plaintext);
  } catch {
    return null;
  }
  const stored = storedSchema.safeParse(json);
  if (!stored.success || stored.data.format !== format) return null;
  const answer = ANSWER_FORMATS[format].schema.safeParse(stored.data.answer);
  return answer.success ? answer.data : null;
}

/** Collects a response body, as it passes to the client, into the answer to store. */
export interface AnswerCollector {
  push(bytes: Uint8Array): void;
  /** The complete, storable answer; null when there is none (too large, incomplete, filtered, malformed). */
  answer(usage: Usage | null): Answer | null;
}

/**
 * A collector for a response in `format`, streamed or not. Past
 * CACHE_MAX_ENTRY_BYTES it stops collecting (the answer could not be stored),
 * so a huge answer costs no memory beyond that bound: everything an assembler
 * holds counts toward it (text, tool calls, log probabilities, whole blocks).
 */
export function answerCollector(format: ApiFormat, stream: boolean): AnswerCollector {
  const spec = ANSWER_FORMATS[format];
  return stream ? new StreamCollector(spec) : new JsonCollector(spec);
}

class JsonCollector implements AnswerCollector {
  private chunks: Uint8Array[] | null = [];
  private size = 0;
  constructor(private readonly spec: AnswerFormat) {}

  push(bytes: Uint8Array): void {
    if (!this.chunks) return;
    this.size += bytes.byteLength;
    if (this.size > CACHE_MAX_ENTRY_BYTES) this.chunks = null;
    else this.chunks.push(bytes);
  }

  answer(): Answer | null {
    if (!this.chunks) return null;
    const decoder = new TextDecoder();
    const text = this.chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return null;
    }
    const parsed = this.spec.schema.safeParse(json);
    return parsed.success && this.spec.storable(parsed.data) ? parsed.data : null;
  }
}

class StreamCollector implements AnswerCollector {
  private readonly parser = new SseParser();
  private assembler: StreamAssembler | null;
  constructor(private readonly spec: AnswerFormat) {
    this.assembler = spec.assembler();
  }

  push(bytes: Uint8Array): void {
    const assembler = this.assembler;
    if (!assembler) return;
    for (const event of this.parser.push(bytes)) {
      assembler.push(event);
      // Checked per event: one read may carry many, and past the bound nothing more is kept.
      if (assembler.size > CACHE_MAX_ENTRY_BYTES) return void (this.assembler = null);
    }
  }

  answer(usage: Usage | null): Answer | null {
    if (!this.assembler) return null;
    for (const event of this.parser.end()) this.assembler.push(event);
    const answer = this.assembler.answer(usage);
    return answer && this.spec.storable(answer) ? answer : null;
  }
}
