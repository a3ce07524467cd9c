/**
 * Translator for OpenAI-format upstream streams (OpenAI, Mistral): events pass
 * through as they are, except where usage is concerned. Usage is always
 * requested upstream; here it is captured and, if the client did not ask for it
 * (`stream_options.include_usage`), removed again.
 */
import { openAIErrorEvent, parseEventData, type SseTranslator } from "../relay";
import type { SseEvent } from "../sse";
import type { Usage } from "../types";
import { chatChunkSchema, toUsage } from "./usage";

export interface OpenAIStreamOptions {
  clientWantsUsage: boolean;
  /**
   * "usage-chunk": usage arrives in its own chunk with empty choices (OpenAI).
   * "final-chunk": usage rides on the chunk carrying finish_reason (Mistral); it
   * is split off into its own chunk so clients see OpenAI's shape.
   */
  usageMode: "usage-chunk" | "final-chunk";
}

// Cheap pre-check so that only chunks that can carry usage are JSON-parsed.
const MAY_HAVE_USAGE = /"usage"\s*:\s*\{/;

export function openAIStreamTranslator(opts: OpenAIStreamOptions): SseTranslator {
  let usage: Usage | null = null;
  let sawDone = false;
  return {
    push(events) {
      const out: SseEvent[] = [];
      for (const e of events) {
        if (e.data === "[DONE]") sawDone = true;
        if (e.data === "[DONE]" || !MAY_HAVE_USAGE.test(e.data)) {
          out.push(e);
          continue;
        }
        const chunk = parseEventData(e.data, chatChunkSchema);
        if (!chunk?.usage) {
          out.push(e);
          continue;
        }
        usage = toUsage(chunk.usage!);
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
    end: () => ({ events: [], state: sawDone ? "complete" : "incomplete" }),
    usage: () => usage,
    error: openAIErrorEvent,
  };
}
