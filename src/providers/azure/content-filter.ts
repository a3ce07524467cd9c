/**
 * Azure OpenAI's content-filter annotations, removed so the client gets
 * OpenAI's own format whatever route served it (docs/providers.md, "Azure
 * OpenAI"). Azure adds, per Microsoft's "Content streaming" and "Content
 * filtering annotations" pages:
 * - `prompt_filter_results` (older: `prompt_annotations`) on a response, and
 *   in a stream as a first chunk with `id: ""` and empty `choices`;
 * - `content_filter_results` (and `content_filter_result`, `_offsets`,
 *   `_raw`) on choices;
 * - with the asynchronous filter, annotation chunks with `id: ""` at any
 *   point, also after the finish chunk and before `[DONE]`; one of them may
 *   carry `finish_reason: "content_filter"` when the filter caught the output
 *   late, which is then the stream's finish.
 * So a stream's finish and usage chunks are held until `[DONE]` (or the
 * upstream's end): a late `content_filter` replaces the finish reason already
 * held, and the client sees finish, then usage, then `[DONE]`, as from OpenAI.
 * `finish_reason: "content_filter"` itself is OpenAI's too and passes on.
 */
import type { StreamFilter } from "../openai-compatible/adapter";
import type { SseEvent } from "../sse";
import { parseJson } from "../sse-translator";
import type { ProviderCall } from "../types";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const CHOICE_FIELDS = ["content_filter_results", "content_filter_result", "content_filter_offsets", "content_filter_raw"];
const TOP_FIELDS = ["prompt_filter_results", "prompt_annotations"];

function without(json: Json, fields: readonly string[]): Json {
  const out = { ...json };
  for (const field of fields) delete out[field];
  return out;
}

/** A response or chunk without Azure's filter annotations. */
export function withoutFilterResults(json: Json): Json {
  const out = without(json, TOP_FIELDS);
  if (Array.isArray(out.choices)) out.choices = out.choices.map((c: unknown) => (isObject(c) ? without(c, CHOICE_FIELDS) : c));
  return out;
}

const choicesOf = (json: Json): Json[] => (Array.isArray(json.choices) ? json.choices.filter(isObject) : []);
const finishes = (json: Json): boolean => choicesOf(json).some((c) => c.finish_reason != null);

export function azureStreamFilter(call: ProviderCall): StreamFilter {
  /** The stream's own id, created, model…: what a finish taken from an annotation chunk is sent with. */
  let envelope: Json | null = null;
  const heldFinishes: Json[] = [];
  /** Finish reasons from annotation chunks, by choice index, for choices whose finish is not held. */
  const lateFinishes = new Map<number, unknown>();
  let heldUsage: Json | null = null;

  /** An annotation chunk (`id: ""`): nothing for the client but a finish reason it may carry. */
  function annotation(json: Json): void {
    for (const choice of choicesOf(json)) {
      if (choice.finish_reason == null || typeof choice.index !== "number") continue;
      const held = heldFinishes.flatMap(choicesOf).find((c) => c.index === choice.index);
      if (held) held.finish_reason = choice.finish_reason;
      else lateFinishes.set(choice.index, choice.finish_reason);
    }
  }

  function release(): SseEvent[] {
    const base = envelope ?? { id: `chatcmpl-${call.requestId}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: call.route.upstreamModel };
    const late = [...lateFinishes].map(([index, finish_reason]) => ({ ...base, choices: [{ index, delta: {}, logprobs: null, finish_reason }] }));
    const out = [...heldFinishes, ...late, ...(heldUsage ? [heldUsage] : [])].map((chunk) => ({ data: JSON.stringify(chunk) }));
    heldFinishes.length = 0;
    lateFinishes.clear();
    heldUsage = null;
    return out;
  }

  return {
    push(events) {
      const out: SseEvent[] = [];
      for (const e of events) {
        if (e.data === "[DONE]") {
          out.push(...release(), e);
          continue;
        }
        const json = parseJson(e.data);
        // Error events and anything unreadable are the translator's to judge.
        if (!isObject(json) || "error" in json) {
          out.push(e);
          continue;
        }
        if (json.id === "") {
          annotation(json);
          continue;
        }
        const chunk = withoutFilterResults(json);
        envelope ??= { id: chunk.id, object: chunk.object, created: chunk.created, model: chunk.model, ...(chunk.system_fingerprint ? { system_fingerprint: chunk.system_fingerprint } : {}) };
        if (finishes(chunk)) heldFinishes.push(chunk);
        else if (choicesOf(chunk).length > 0) out.push({ data: JSON.stringify(chunk) });
        else if (chunk.usage) heldUsage = chunk;
        // Else no choices and no usage (prompt annotations under a real id): nothing for the client.
      }
      return out;
    },
    flush: release,
  };
}
