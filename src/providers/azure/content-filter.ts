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
 * How a stream is brought back to OpenAI's order is ./stream.ts's part.
 * `finish_reason: "content_filter"` itself is OpenAI's too and passes on.
 */
export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

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

