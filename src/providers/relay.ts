/**
 * The one stream relay every adapter uses: reads upstream SSE bytes, hands the
 * complete events of each read to a translator, and writes what it returns in
 * one piece, so nothing is buffered beyond a partial event and chunking is
 * preserved. It reports the call's outcome exactly once: completed, failed
 * upstream (the client gets an error event in its format), or abandoned by the
 * client (seen through the request signal; cancel() is not relied on).
 *
 * A provider's stream is COMMITTED once it has produced content for the client
 * (text, reasoning, a tool call, a finish). Until then nothing is sent: the
 * preamble (OpenAI's role-only chunk, Anthropic's message_start and ping) is
 * held and goes out with the first content, and an upstream error event, a
 * drop, an end, a stall or no content by the commit deadline fail the call
 * itself, so the router may still try another route. After commit a failure
 * ends the stream with an error event instead, never a second answer.
 */
import type { ApiError } from "../shared/errors";
import { encodeSse, SseParser, type SseEvent } from "./sse";
import { thenTranslate, type CommittingTranslator, type SseTranslator } from "./sse-translator";
import { streamCommitTimeoutError, streamEndedEarly, streamIdleError } from "./stream-failure";
import type { CallOutcome, ChatResult, ProviderConfig } from "./types";
import { ClientClosedError } from "./upstream";

export interface RelayOptions {
  clientSignal: AbortSignal;
  onOutcome?: (outcome: CallOutcome) => void;
  /** Longest silence allowed between upstream reads (from the start); unbounded when absent. */
  idleTimeoutMs?: number;
  /** When (ms since epoch) the stream must have committed; unbounded when absent. */
  commitBy?: number;
}

type End = "done" | "dropped" | "idle" | "overdue" | "aborted";
type Read = { bytes: Uint8Array } | { end: End };

/** One upstream stream being relayed: its reader, parser, idle watch and outcome. */
class Relay {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly parser = new SseParser();
  private firstByteAt: number | null = null;
  /** When the pending upstream read began; null between reads. */
  private waitingSince: number | null = null;
  private settled = false;
  private idle = false;
  /** The one timer of the idle limit and the commit deadline (see arm). */
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The commit deadline passed before content (set by the timer, which cancels the reader). */
  private overdue = false;
  /** The commit deadline applies: from the start until commit() returns or throws. */
  private deadlinePending: boolean;
  /** The translator of a provider's own stream, once commit() has run: its failure() ends the stream at once. */
  private committing: CommittingTranslator | null = null;
  /** The upstream ended complete before commit: the held events are the whole answer. */
  private ended = false;

  constructor(
    upstream: ReadableStream<Uint8Array>,
    private readonly translator: SseTranslator,
    private readonly opts: RelayOptions,
  ) {
    this.reader = upstream.getReader();
    opts.clientSignal.addEventListener(
      "abort",
      () => {
        this.settle("client_aborted");
        this.stop();
      },
      { once: true },
    );
    this.deadlinePending = opts.commitBy !== undefined;
    this.arm(Date.now());
  }

  /**
   * One timer watches both bounds (a timer costs each request, and workerd
   * ties it to its request, so it cannot be shared across them): armed for
   * the earlier of the idle limit and, until commit, the commit deadline. It
   * is not re-armed per chunk (a long stream has thousands): when it fires
   * early (the upstream read since, or the stream committed) it re-arms for
   * what is left. Only a read waiting on the upstream counts as silence: a
   * client that reads slowly holds reads back, which is not the upstream's
   * silence. Cancelling the reader ends the pending read, which read() then
   * reports as "overdue" or "idle".
   */
  private arm(now: number): void {
    const limit = this.opts.idleTimeoutMs;
    const quiet = this.waitingSince === null ? 0 : now - this.waitingSince;
    let delay = limit === undefined ? Number.POSITIVE_INFINITY : limit - quiet;
    if (this.deadlinePending) delay = Math.min(delay, this.opts.commitBy! - now);
    if (delay !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.fired(), Math.max(0, delay));
  }

  private fired(): void {
    const now = Date.now();
    const limit = this.opts.idleTimeoutMs;
    if (this.deadlinePending && now >= this.opts.commitBy!) this.overdue = true;
    else if (limit !== undefined && this.waitingSince !== null && now - this.waitingSince >= limit) this.idle = true;
    else return this.arm(now);
    this.reader.cancel().catch(() => {});
  }

  private stop(): void {
    clearTimeout(this.timer ?? undefined);
    this.reader.cancel().catch(() => {});
  }

  private settle(result: CallOutcome["result"]): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer ?? undefined);
    const outcome: CallOutcome = { usage: this.translator.usage(), result, firstByteAt: this.firstByteAt };
    // A stream that ended early is billed from its text (the provider's final usage never came).
    if (result !== "completed" && this.translator.generated) outcome.generated = this.translator.generated();
    this.opts.onOutcome?.(outcome);
  }

  private async read(): Promise<Read> {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    this.waitingSince = Date.now();
    try {
      chunk = await this.reader.read();
    } catch {
      return { end: this.cause("dropped") };
    } finally {
      this.waitingSince = null;
    }
    if (chunk.done) return { end: this.cause("done") };
    this.firstByteAt ??= Date.now();
    return { bytes: chunk.value };
  }

  /** The idle timer and the client's abort cancel the reader, which reads as an end or an error. */
  private cause(seen: "done" | "dropped"): End {
    if (this.idle) return "idle";
    if (this.overdue) return "overdue";
    return this.opts.clientSignal.aborted ? "aborted" : seen;
  }

  /**
   * Reads until the stream commits and returns the events held until then.
   * Throws, with the upstream cancelled and no outcome reported, when it
   * fails first: its own error, a drop, an end, a stall, the client leaving,
   * or the commit deadline passing. Keep-alives and pings reset the idle timer
   * but not the deadline, so an upstream that only pings cannot hold the call
   * (and the client's headers, and the next route) forever.
   */
  async commit(translator: CommittingTranslator): Promise<SseEvent[]> {
    this.committing = translator;
    try {
      return await this.commitReads(translator);
    } finally {
      // The timer, if it was armed for the deadline, re-arms for the idle limit when it fires.
      this.deadlinePending = false;
    }
  }

  private async commitReads(translator: CommittingTranslator): Promise<SseEvent[]> {
    const held: SseEvent[] = [];
    for (;;) {
      const read = await this.read();
      if ("end" in read && read.end !== "done") throw this.fail(this.earlyError(read.end));
      if ("bytes" in read) held.push(...translator.push(this.parser.push(read.bytes)));
      else held.push(...translator.push(this.parser.end()));
      const failure = translator.failure();
      if (failure) throw this.fail(failure);
      if (translator.committed()) return held;
      if ("end" in read) {
        const { events, state } = translator.end();
        if (state !== "complete") throw this.fail(streamEndedEarly(false));
        this.ended = true;
        return [...held, ...events];
      }
    }
  }

  private earlyError(end: Exclude<End, "done">): ApiError {
    if (end === "aborted") return new ClientClosedError(true);
    if (end === "overdue") return streamCommitTimeoutError();
    return end === "idle" ? streamIdleError(this.opts.idleTimeoutMs!) : streamEndedEarly(true);
  }

  private fail(err: ApiError): ApiError {
    this.settled = true;
    this.stop();
    return err;
  }

  /** The client's stream: the held events first, then every upstream read as it comes. */
  stream(held: SseEvent[]): ReadableStream<Uint8Array> {
    let first: SseEvent[] | null = held;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (first) {
          const events = first;
          first = null;
          if (events.length > 0) controller.enqueue(encodeSse(events));
          if (this.ended) {
            this.settle("completed");
            return controller.close();
          }
          if (events.length > 0) return;
        }
        // Loop until something is written: a pull that enqueues nothing is not
        // called again by the stream, which would leave the reader hanging.
        for (;;) {
          const read = await this.read();
          if ("bytes" in read) {
            const events = this.translator.push(this.parser.push(read.bytes));
            if (this.committing?.failure()) return this.failAfterCommit(events, controller);
            if (events.length === 0) continue;
            controller.enqueue(encodeSse(events));
            return;
          }
          this.finish(read.end, controller);
          return;
        }
      },
      cancel: async (reason) => {
        this.settle("client_aborted");
        await this.reader.cancel(reason).catch(() => {});
      },
    });
  }

  /**
   * The upstream's own error after commit: the translator has turned it into
   * the client's error event (in `events`). Whatever the upstream sends after
   * it is dropped anyway, so the stream ends now rather than when the upstream
   * closes or goes idle, and the outcome (limits, log) does not wait on it.
   */
  private failAfterCommit(events: SseEvent[], controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (events.length > 0) controller.enqueue(encodeSse(events));
    this.settle("upstream_error");
    this.stop();
    controller.close();
  }

  /** Ends the client's stream after the upstream ended, with an error event unless it completed. */
  private finish(end: End, controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (end === "aborted") {
      this.settle("client_aborted");
      return controller.close();
    }
    let tail: SseEvent[];
    let completed = false;
    if (end === "done") {
      tail = this.translator.push(this.parser.end());
      const { events, state } = this.translator.end();
      tail.push(...events);
      if (state === "incomplete") tail.push(...this.translator.error("upstream_stream_incomplete", "The upstream stream ended before completion."));
      completed = state === "complete";
    } else if (end === "idle") {
      const err = streamIdleError(this.opts.idleTimeoutMs!);
      tail = this.translator.error(err.code, err.message);
    } else {
      tail = this.translator.error("upstream_stream_interrupted", "The connection to the upstream provider was lost mid-stream.");
    }
    if (tail.length > 0) controller.enqueue(encodeSse(tail));
    this.settle(completed ? "completed" : "upstream_error");
    controller.close();
  }
}

/** Relays a stream through a translator alone, with no commit point: how tests drive a translator over bytes (the router's streams go through streamingResult). */
export function relaySse(upstream: ReadableStream<Uint8Array>, translator: SseTranslator, opts: RelayOptions): ReadableStream<Uint8Array> {
  return new Relay(upstream, translator, opts).stream([]);
}

/**
 * Idle timeout between stream reads when the call names none (the routing
 * plan gives each call its route's, else STREAM_IDLE_TIMEOUT_MS). Two minutes:
 * reasoning models can think silently for long stretches before their first
 * token, while Anthropic sends `ping` events and others keep-alive comments
 * that count as reads; a shorter bound would cut off healthy streams.
 */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 120_000;

/** What a streamed call tells the relay: the client's signal, its idle bound and its commit deadline. */
export interface StreamCall {
  clientSignal: AbortSignal;
  idleTimeoutMs?: number;
  /**
   * When (ms since epoch) the stream must have produced content: the
   * adapter's request start plus the attempt's first-byte timeout (already cut
   * to the routing budget left), so one bound covers headers and content.
   * Unbounded when absent.
   */
  commitBy?: number;
  /** The client's format, when not OpenAI's: a translator of the provider's OpenAI-format events (see thenTranslate). */
  clientStream?: SseTranslator;
}

/** The commit deadline of a call whose request to the upstream started at `startedAt`: its first-byte timeout from then. */
export const commitDeadline = (startedAt: number, config: ProviderConfig): number => startedAt + config.timeoutMs;

/**
 * A streamed ChatResult, resolved once the stream has committed (see above):
 * the relayed body and the outcome it will report. Rejects with the router's
 * error when the upstream fails before any content, so nothing has gone to
 * the client and the call may be tried elsewhere.
 */
export async function streamingResult(upstream: ReadableStream<Uint8Array>, translator: CommittingTranslator, call: StreamCall, headers: Record<string, string>): Promise<ChatResult> {
  let resolveOutcome!: (o: CallOutcome) => void;
  const outcome = new Promise<CallOutcome>((resolve) => (resolveOutcome = resolve));
  const relayed = call.clientStream ? thenTranslate(translator, call.clientStream) : translator;
  const relay = new Relay(upstream, relayed, {
    onOutcome: resolveOutcome,
    clientSignal: call.clientSignal,
    idleTimeoutMs: call.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    commitBy: call.commitBy,
  });
  const held = await relay.commit(relayed);
  return { response: new Response(relay.stream(held), { status: 200, headers }), outcome };
}
