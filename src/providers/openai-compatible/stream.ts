/**
 * Translator for OpenAI-format upstream streams (OpenAI, Mistral): events pass
 * through as they are, except where usage is concerned. Usage is always
 * requested upstream; here it is captured and, if the client did not ask for it
 * (`stream_options.include_usage`), removed again. Each chunk is parsed once,
 * for the generated text (billing an abandoned stream) and the usage.
 */
import { GeneratedText, addOpenAIChunk } from "../generated";
import { openAIErrorEvent, parseJson, type SseTranslator } from "../relay";
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

const carriesUsage = (json: unknown): boolean => typeof json === "object" && json !== null && typeof (json as { usage?: unknown }).usage === "object" && (json as { usage?: unknown }).usage !== null;

export function openAIStreamTranslator(opts: OpenAIStreamOptions): SseTranslator {
  let usage: Usage | null = null;
  let sawDone = false;
  const generated = new GeneratedText();
  return {
    push(events) {
      const out: SseEvent[] = [];
      for (const e of events) {
        if (e.data === "[DONE]") {
          sawDone = true;
          out.push(e);
          continue;
        }
        const json = parseJson(e.data);
        addOpenAIChunk(json, generated);
        const parsed = carriesUsage(json) ? chatChunkSchema.safeParse(json) : null;
        const chunk = parsed?.success ? parsed.data : null;
        if (!chunk?.usage) {
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
    end: () => ({ events: [], state: sawDone ? "complete" : "incomplete" }),
    usage: () => usage,
    generated: () => generated.text(),
    error: openAIErrorEvent,
  };
}
