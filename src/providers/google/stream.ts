/**
 * Gemini SSE (`:streamGenerateContent?alt=sse`, each event a whole
 * GenerateContentResponse) → OpenAI chat.completion.chunk events, ending in
 * `data: [DONE]`. Bytes are parsed with the shared SseParser, so any chunk
 * boundary gives the same output; each upstream read is written in one piece.
 *
 * Gemini sends function calls whole, so each becomes one complete tool_calls
 * delta. Usage rides on the chunks (the last one counts) and is emitted as
 * OpenAI's separate usage chunk only when the client set include_usage.
 */
import type { ApiError } from "../../shared/errors";
import { GeneratedText } from "../generated";
import { openAIErrorEvent, type CommittingTranslator } from "../sse-translator";
import { geminiStreamError, invalidResponse } from "./errors";
import type { SseEvent } from "../sse";
import type { Usage } from "../types";
import { completionId, finishReasonOf, openAIUsage, splitParts, toUsage } from "./response";
import { geminiResponseSchema, type GeminiResponse } from "./schema";

export interface GeminiStreamOptions {
  clientWantsUsage: boolean;
  created: number;
  model: string;
  newToolCallId: () => string;
}

interface CandidateState {
  started: boolean;
  toolCalls: number;
  finished: boolean;
}

/** Turns Gemini events into OpenAI chunks; stateful across one stream. */
export class GeminiChunkTranslator {
  private id: string | null = null;
  private readonly candidates = new Map<number, CandidateState>();
  usage: Usage | null = null;
  sawFinish = false;
  /** Content for the client has been produced: text, reasoning, a function call or a finish. */
  sawContent = false;
  /** The upstream's error event, when one came. */
  failure: ApiError | null = null;
  /** What the candidates generated (billing an abandoned stream). */
  readonly generated = new GeneratedText();

  constructor(private readonly opts: GeminiStreamOptions) {}

  /** One upstream event → zero or more OpenAI events; throws on a malformed event. */
  translate(data: string): SseEvent[] {
    const json: unknown = JSON.parse(data);
    this.failure = geminiStreamError(json);
    if (this.failure) return openAIErrorEvent(this.failure.code, this.failure.message);
    const parsed = geminiResponseSchema.safeParse(json);
    if (!parsed.success) throw new Error("unexpected Gemini stream event");
    const response = parsed.data;
    this.id ??= completionId(response.responseId);
    if (response.usageMetadata) this.usage = toUsage(response.usageMetadata);
    const out: SseEvent[] = [];
    const candidates = response.candidates ?? [];
    if (candidates.length === 0 && response.promptFeedback?.blockReason) {
      out.push(this.chunk(0, { role: "assistant", content: "" }, "content_filter"));
      this.sawFinish = true;
      this.sawContent = true;
    }
    candidates.forEach((candidate, position) => out.push(...this.candidateEvents(candidate, candidate.index ?? position)));
    return out;
  }

  /** The tail after the upstream ended: the usage chunk if asked, then [DONE]. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.opts.clientWantsUsage && this.usage) {
      out.push({ data: JSON.stringify({ ...this.base(), choices: [], usage: openAIUsage(this.usage) }) });
    }
    out.push({ data: "[DONE]" });
    return out;
  }

  private candidateEvents(candidate: NonNullable<GeminiResponse["candidates"]>[number], index: number): SseEvent[] {
    const state = this.candidates.get(index) ?? { started: false, toolCalls: 0, finished: false };
    this.candidates.set(index, state);
    const { content, reasoning, toolCalls } = splitParts(candidate.content?.parts ?? [], this.opts.newToolCallId);
    this.generated.add(reasoning);
    this.generated.add(content);
    for (const call of toolCalls) {
      this.generated.add(call.function.name);
      this.generated.add(call.function.arguments);
    }
    const delta: Record<string, unknown> = {};
    if (!state.started) delta.role = "assistant";
    if (reasoning) delta.reasoning_content = reasoning;
    if (content) delta.content = content;
    if (toolCalls.length > 0) delta.tool_calls = toolCalls.map((call) => ({ index: state.toolCalls++, ...call }));
    const out: SseEvent[] = [];
    if (reasoning || content || toolCalls.length > 0 || candidate.finishReason) this.sawContent = true;
    if (Object.keys(delta).length > 0) {
      if (!state.started && delta.content === undefined && toolCalls.length === 0) delta.content = "";
      state.started = true;
      out.push(this.chunk(index, delta, null));
    }
    if (candidate.finishReason && !state.finished) {
      state.finished = true;
      this.sawFinish = true;
      out.push(this.chunk(index, {}, finishReasonOf(candidate.finishReason, state.toolCalls > 0)));
    }
    return out;
  }

  private base() {
    return { id: this.id ?? completionId(undefined), object: "chat.completion.chunk", created: this.opts.created, model: this.opts.model };
  }

  private chunk(index: number, delta: Record<string, unknown>, finishReason: string | null): SseEvent {
    const chunk = { ...this.base(), choices: [{ index, delta, logprobs: null, finish_reason: finishReason }] };
    return { data: JSON.stringify(chunk), parsed: chunk };
  }
}

/**
 * The Gemini translator for the shared relay. An error event, or an event the
 * router cannot read, ends the stream with an error event; a stream without a
 * finish reason is incomplete (the relay adds the error event). Google has
 * been seen to append its error body to a stream as bare JSON, outside any
 * `data:` line (e.g. vercel/ai#5217): the SSE parser skips it, so such a
 * stream reads as incomplete, and only an error in a data event is read.
 */
export function geminiStreamTranslator(opts: GeminiStreamOptions): CommittingTranslator {
  const translator = new GeminiChunkTranslator(opts);
  let failure: ApiError | null = null;
  return {
    push(events) {
      if (failure) return [];
      const out: SseEvent[] = [];
      for (const e of events) {
        try {
          out.push(...translator.translate(e.data));
        } catch {
          failure = invalidResponse();
          return [...out, ...openAIErrorEvent(failure.code, "The upstream provider sent an event the router could not read.")];
        }
        failure = translator.failure;
        if (failure) break;
      }
      return out;
    },
    end() {
      if (failure) return { events: [], state: "failed" };
      return translator.sawFinish ? { events: translator.end(), state: "complete" } : { events: [], state: "incomplete" };
    },
    committed: () => translator.sawContent,
    failure: () => failure,
    usage: () => translator.usage,
    generated: () => translator.generated.text(),
    error: openAIErrorEvent,
  };
}
