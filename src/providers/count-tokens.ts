/**
 * Token counts the router makes itself, where a provider reported none: the
 * prompt estimate at admission, and the completion of a stream abandoned
 * before the provider's final usage.
 *
 * OpenAI models are counted exactly with OpenAI's own encoding (o200k_base,
 * the encoding of the GPT-4o, GPT-4.1 and later families) through
 * gpt-tokenizer: pure JavaScript, no dependencies, no WebAssembly, so it runs
 * in workerd as it is. Its rank table is large (~2.4 MB of source), so it is
 * imported lazily: only an abandoned OpenAI stream without usage loads it,
 * after its response has ended, so that request never waits for it. Others
 * in the same isolate may: evaluating the table is synchronous (~0.5 s of
 * CPU), and the isolate runs nothing else meanwhile, once per isolate. Other
 * providers' tokenizers are not published for JavaScript (Anthropic, Gemini)
 * or not as a maintained package, so their count is the documented estimate
 * of ~4 characters per token.
 */
import type { ModelEntry } from "./types";

/** ~4 characters per token: the estimate for text whose tokenizer the router does not have. */
export const estimateTextTokens = (length: number): number => Math.ceil(length / 4);

/** Completion tokens of generated text, for the model that generated it. */
export async function countGeneratedTokens(model: ModelEntry, text: string): Promise<number> {
  if (text === "") return 0;
  if (model.provider !== "openai") return estimateTextTokens(text.length);
  const { countTokens } = await import("gpt-tokenizer/encoding/o200k_base");
  // Special-token strings the model wrote are ordinary text here, not an error.
  return countTokens(text, { disallowedSpecial: new Set() });
}
