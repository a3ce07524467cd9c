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
import { streamErrorEvent } from "../openai-compatible/stream";
import { encodeSse, SseParser, type SseEvent } from "../sse";
import type { CallOutcome, Usage } from "../types";
import { completionId, finishReasonOf, openAIUsage, splitParts, toUsage } from "./response";
import { geminiResponseSchema, type GeminiResponse } from "./schema";

export interface GeminiStreamOptions {
  clientWantsUsage: boolean;
  created: number;
  model: string;
  newToolCallId: () => string;
  onOutcome(outcome: CallOutcome): void;
  clientSignal: AbortSignal;
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

  constructor(private readonly opts: Pick<GeminiStreamOptions, "created" | "model" | "newToolCallId" | "clientWantsUsage">) {}

  /** One upstream event → zero or more OpenAI events; throws on a malformed event. */
  translate(data: string): SseEvent[] {
    const parsed = geminiResponseSchema.safeParse(JSON.parse(data));
    if (!parsed.success) throw new Error("unexpected Gemini stream event");
    const response = parsed.data;
    this.id ??= completionId(response.responseId);
    if (response.usageMetadata) this.usage = toUsage(response.usageMetadata);
    const out: SseEvent[] = [];
    const candidates = response.candidates ?? [];
    if (candidates.length === 0 && response.promptFeedback?.blockReason) {
      out.push(this.chunk(0, { role: "assistant", content: "" }, "content_filter"));
      this.sawFinish = true;
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
    const delta: Record<string, unknown> = {};
    if (!state.started) delta.role = "assistant";
    if (reasoning) delta.reasoning_content = reasoning;
    if (content) delta.content = content;
    if (toolCalls.length > 0) delta.tool_calls = toolCalls.map((call) => ({ index: state.toolCalls++, ...call }));
    const out: SseEvent[] = [];
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
    return { data: JSON.stringify({ ...this.base(), choices: [{ index, delta, logprobs: null, finish_reason: finishReason }] }) };
  }
}

export function relayGeminiStream(upstream: ReadableStream<Uint8Array>, opts: GeminiStreamOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const parser = new SseParser();
  const translator = new GeminiChunkTranslator(opts);
  let firstByteAt: number | null = null;
  let settled = false;
  const settle = (result: CallOutcome["result"]) => {
    if (settled) return;
    settled = true;
    opts.onOutcome({ usage: translator.usage, result, firstByteAt });
  };
  const translateAll = (events: SseEvent[]) => events.flatMap((e) => translator.translate(e.data));

  // A vanished client is detected through the request signal, not through
  // cancel(), which the runtime does not promise to call.
  opts.clientSignal.addEventListener(
    "abort",
    () => {
      settle("client_aborted");
      reader.cancel().catch(() => {});
    },
    { once: true },
  );

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, code: string, message: string) => {
    controller.enqueue(streamErrorEvent(code, message));
    settle("upstream_error");
    controller.close();
    reader.cancel().catch(() => {});
  };

  return new ReadableStream<Uint8Array>({
    // Reads until something can be written: a pull that enqueued nothing would
    // not be called again, and the client would wait forever.
    async pull(controller) {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch {
          if (opts.clientSignal.aborted) {
            settle("client_aborted");
            return controller.close();
          }
          return fail(controller, "upstream_stream_interrupted", "The connection to the upstream provider was lost mid-stream.");
        }
        let events: SseEvent[];
        try {
          events = chunk.done ? translateAll(parser.end()) : translateAll(parser.push(chunk.value));
        } catch {
          return fail(controller, "upstream_invalid_response", "The upstream provider sent an event the router could not read.");
        }
        if (chunk.done) {
          if (!translator.sawFinish) {
            if (events.length > 0) controller.enqueue(encodeSse(events));
            return fail(controller, "upstream_stream_incomplete", "The upstream stream ended before completion.");
          }
          controller.enqueue(encodeSse([...events, ...translator.end()]));
          settle("completed");
          return controller.close();
        }
        firstByteAt ??= Date.now();
        if (events.length > 0) return controller.enqueue(encodeSse(events));
      }
    },
    async cancel(reason) {
      settle("client_aborted");
      await reader.cancel(reason).catch(() => {});
    },
  });
}
