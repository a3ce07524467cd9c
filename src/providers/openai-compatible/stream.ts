/**
 * Translator for OpenAI-format upstream streams (OpenAI, Mistral): events pass
 * through as they are, except where usage is concerned. Usage is always
 * requested upstream; here it is captured and, if the client did not ask for it
 * (`stream_options.include_usage`), removed again. Each chunk is parsed once,
 * for the generated text (billing an abandoned stream), the usage, the commit
 * point and the upstream's error events.
 */
import type { ApiError } from "../../shared/errors";
import { GeneratedText, addOpenAIChunk } from "../generated";
import { openAIErrorEvent, parseJson, type CommittingTranslator } from "../sse-translator";
import { inStreamError } from "../stream-failure";
import type { SseEvent } from "../sse";
import type { Usage } from "../types";
import { chatChunkSchema, toUsage } from "./usage";

export interface OpenAIStreamOptions {
  /** The provider's name in error messages. */
  label: string;
  clientWantsUsage: boolean;
  /**
   * "usage-chunk": usage arrives in its own chunk with empty choices (OpenAI).
   * "final-chunk": usage rides on the chunk carrying finish_reason (Mistral); it
   * is split off into its own chunk so clients see OpenAI's shape.
   */
  usageMode: "usage-chunk" | "final-chunk";
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown) => (typeof v === "string" || Array.isArray(v)) && v.length > 0;

/** Whether a chunk carries content for the client: text, reasoning, a refusal, a tool call or a finish (not the role-only first chunk). */
function carriesContent(json: unknown): boolean {
  if (!isObject(json) || !Array.isArray(json.choices)) return false;
  return json.choices.some((choice: unknown) => {
    if (!isObject(choice)) return false;
    if (choice.finish_reason != null) return true;
    const delta = isObject(choice.delta) ? choice.delta : {};
    return nonEmpty(delta.content) || nonEmpty(delta.reasoning_content) || nonEmpty(delta.refusal) || nonEmpty(delta.tool_calls);
  });
}

/**
 * An error event: OpenAI's `{"error": {message, type, param, code}}`, which
 * may be followed by `[DONE]`, or Mistral's error body shape
 * `{"object": "error", type, code}` (Mistral documents no in-stream form).
 */
function errorOf(json: unknown, label: string): ApiError | null {
  if (!isObject(json)) return null;
  const error = isObject(json.error) ? json.error : json.object === "error" ? json : null;
  if (!error) return null;
  const kind = [error.code, error.type].find((v) => typeof v === "string" && v !== "") ?? String(error.code ?? "error");
  return inStreamError(label, String(kind));
}

const carriesUsage = (json: unknown): boolean => typeof json === "object" && json !== null && typeof (json as { usage?: unknown }).usage === "object" && (json as { usage?: unknown }).usage !== null;

export function openAIStreamTranslator(opts: OpenAIStreamOptions): CommittingTranslator {
  let usage: Usage | null = null;
  let sawDone = false;
  let committed = false;
  let failure: ApiError | null = null;
  const generated = new GeneratedText();
  return {
    push(events) {
      const out: SseEvent[] = [];
      for (const e of events) {
        // After the upstream's error nothing more is relayed, not even its [DONE].
        if (failure) break;
        if (e.data === "[DONE]") {
          sawDone = true;
          out.push(e);
          continue;
        }
        // A wrapper's own parse of the event (SseEvent.parsed) spares a second one.
        const json = e.parsed !== undefined ? e.parsed : parseJson(e.data);
        failure = errorOf(json, opts.label);
        if (failure) {
          out.push(...openAIErrorEvent(failure.code, failure.message));
          break;
        }
        committed ||= carriesContent(json);
        addOpenAIChunk(json, generated);
        const parsed = carriesUsage(json) ? chatChunkSchema.safeParse(json) : null;
        const chunk = parsed?.success ? parsed.data : null;
        if (!chunk?.usage) {
          // Passed on with its parse, for a translator that follows (thenTranslate).
          if (e.parsed === undefined && json !== undefined) e.parsed = json;
          out.push(e);
          continue;
        }
        usage = toUsage(chunk.usage);
        if (opts.usageMode === "usage-chunk" || (chunk.choices?.length ?? 0) === 0) {
          if (opts.clientWantsUsage) out.push(e);
          continue;
        }
        // Final content chunk with usage attached: split it as OpenAI does.
        out.push({ data: JSON.stringify({ ...chunk, usage: undefined }) });
        if (opts.clientWantsUsage) out.push({ data: JSON.stringify({ ...chunk, choices: [], usage: chunk.usage }) });
      }
      return out;
    },
    end: () => ({ events: [], state: failure ? "failed" : sawDone ? "complete" : "incomplete" }),
    committed: () => committed,
    failure: () => failure,
    usage: () => usage,
    generated: () => generated.text(),
    error: openAIErrorEvent,
  };
}
