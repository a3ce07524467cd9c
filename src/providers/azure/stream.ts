/**
 * An Azure OpenAI stream brought back to OpenAI's: the translator of OpenAI
 * streams (../openai-compatible/stream.ts) reads it through this wrapper,
 * which drops Azure's annotation chunks (`id: ""`), removes the filter
 * fields from the rest (./content-filter.ts) and puts the end in OpenAI's
 * order despite the asynchronous filter:
 * - each finish chunk is held until `[DONE]`, so that a late
 *   `finish_reason: "content_filter"` on an annotation chunk (even after the
 *   finish) replaces its reason; a verdict for a choice whose finish has not
 *   come yet is applied to that finish when it comes, or else becomes the
 *   choice's finish chunk, so each choice has exactly one;
 * - the usage chunk goes to the translator at once, so the usage Azure
 *   reported is what the call is billed however the stream ends (a drop, a
 *   stall or the client leaving before `[DONE]`); only what the client sees
 *   of it waits, to come after the finish.
 * The client sees content, finish, usage (if it asked), `[DONE]`. When the
 * stream fails after the finish was held, the client gets what was held and
 * then the error event: what it would have received from OpenAI itself,
 * where nothing is held (docs/providers.md, "Azure OpenAI").
 * Each chunk it rewrites goes on with the object it serialised as
 * SseEvent.parsed, so the translator does not parse it a second time (with
 * the default synchronous filter that is every content chunk).
 */
import type { SseEvent } from "../sse";
import { parseJson, type CommittingTranslator } from "../sse-translator";
import type { ProviderCall } from "../types";
import { isObject, type Json, withoutFilterResults } from "./content-filter";

/**
 * What in an event's text may need a look: a filter field (each choice field
 * starts `content_filter_`), an annotation's empty id, a finish, usage. An
 * event without any of these, with choices, passes on untouched, unparsed
 * (most of an asynchronously filtered stream). A false alarm costs one parse.
 */
const MAY_NEED_A_LOOK = /content_filter_|prompt_filter_results|prompt_annotations|"id"\s*:\s*""|"finish_reason"\s*:\s*"|"usage"\s*:\s*\{/;
const HAS_A_CHOICE = /"choices"\s*:\s*\[\s*\{/;

const choicesOf = (json: Json): Json[] => (Array.isArray(json.choices) ? json.choices.filter(isObject) : []);
const finishes = (json: Json): boolean => choicesOf(json).some((c) => c.finish_reason != null);
/** A chunk as an event for the translator, which reads `parsed` instead of parsing `data` again. */
const rewritten = (chunk: Json): SseEvent => ({ data: JSON.stringify(chunk), parsed: chunk });

export function azureStreamTranslator(call: ProviderCall, translator: CommittingTranslator): CommittingTranslator {
  /** The stream's own id, created, model…: what a finish taken from an annotation chunk is sent with; set by the first chunk read. */
  let envelope: Json | null = null;
  const heldFinishes: Json[] = [];
  /** Finish reasons from annotation chunks, by choice index, for choices whose finish has not come. */
  const lateFinishes = new Map<number, unknown>();
  /** The translator's output for the usage chunk (what the client asked to see of it). */
  let heldUsage: SseEvent[] = [];

  /** An annotation chunk (`id: ""`): nothing for the client but a finish reason it may carry. */
  function annotation(json: Json): void {
    for (const choice of choicesOf(json)) {
      if (choice.finish_reason == null || typeof choice.index !== "number") continue;
      const held = heldFinishes.flatMap(choicesOf).find((c) => c.index === choice.index);
      if (held) held.finish_reason = choice.finish_reason;
      else lateFinishes.set(choice.index, choice.finish_reason);
    }
  }

  /** A finish chunk, held; a verdict that came before it is its reason. */
  function holdFinish(chunk: Json): void {
    for (const choice of choicesOf(chunk)) {
      if (choice.finish_reason == null || typeof choice.index !== "number" || !lateFinishes.has(choice.index)) continue;
      choice.finish_reason = lateFinishes.get(choice.index);
      lateFinishes.delete(choice.index);
    }
    heldFinishes.push(chunk);
  }

  /** What is held, for the client: the finishes (translated now), then the usage. */
  function release(): SseEvent[] {
    const base = envelope ?? { id: `chatcmpl-${call.requestId}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: call.route.upstreamModel };
    const late = [...lateFinishes].map(([index, finish_reason]) => ({ ...base, choices: [{ index, delta: {}, logprobs: null, finish_reason }] }));
    const finished = [...heldFinishes, ...late].map(rewritten);
    const out = [...(finished.length > 0 ? translator.push(finished) : []), ...heldUsage];
    heldFinishes.length = 0;
    lateFinishes.clear();
    heldUsage = [];
    return out;
  }

  return {
    ...translator,
    push(events) {
      const out: SseEvent[] = [];
      /** Events for the translator as they are, in order, translated together. */
      let run: SseEvent[] = [];
      const translateRun = () => {
        if (run.length > 0) out.push(...translator.push(run));
        run = [];
      };
      for (const e of events) {
        if (e.data === "[DONE]") {
          translateRun();
          out.push(...release(), ...translator.push([e]));
          continue;
        }
        if (envelope && HAS_A_CHOICE.test(e.data) && !MAY_NEED_A_LOOK.test(e.data)) {
          run.push(e);
          continue;
        }
        const json = parseJson(e.data);
        // Error events and anything unreadable are the translator's to judge.
        if (!isObject(json) || "error" in json) {
          run.push(e);
          continue;
        }
        if (json.id === "") {
          annotation(json);
          continue;
        }
        const chunk = withoutFilterResults(json);
        envelope ??= { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model, ...(chunk.system_fingerprint ? { system_fingerprint: chunk.system_fingerprint } : {}) };
        if (finishes(chunk)) holdFinish(chunk);
        else if (choicesOf(chunk).length > 0) run.push(rewritten(chunk));
        else if (chunk.usage) {
          translateRun();
          heldUsage.push(...translator.push([rewritten(chunk)]));
        }
        // Else no choices and no usage (prompt annotations under a real id): nothing for the client.
      }
      translateRun();
      return out;
    },
    end() {
      const released = release();
      const { events, state } = translator.end();
      return { events: [...released, ...events], state };
    },
    // The stream ends on an error (a drop, a stall): what was held goes first.
    error: (code, message) => [...release(), ...translator.error(code, message)],
  };
}
