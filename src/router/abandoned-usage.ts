/**
 * The usage of a stream abandoned midway: by the client, or by the upstream
 * failing after the stream had started (an error event, a drop, a stall).
 * OpenAI- and Mistral-format upstreams report usage only at the end, so a
 * stream cut early has none, yet the provider charges for what it generated.
 * Such a stream is billed, and counted against the token limit, for:
 * - prompt tokens: the provider's count if it sent one (Anthropic does in
 *   message_start), else the prompt estimate made at admission;
 * - completion tokens: the larger of the provider's count so far and the
 *   router's count of the text and tool calls generated (exact for OpenAI
 *   models, ~4 characters per token for the others: count-tokens.ts), the
 *   router's count capped at the completion maximum reserved (no provider
 *   generates more; ~4 characters per token can overcount). The provider's
 *   own count is kept even past it: it is what the provider bills.
 * The usage is then marked estimated, unless it is all the provider's.
 */
import type { Reservation } from "../limits/estimate";
import { countGeneratedTokens, estimateTextTokens } from "../providers/count-tokens";
import type { CallOutcome, ModelEntry } from "../providers/types";

/** A stream the client or the upstream abandoned midway, whose usage the router counts. */
export const isAbandonedStream = (outcome: CallOutcome): outcome is CallOutcome & { generated: string } =>
  outcome.result !== "completed" && outcome.generated !== undefined;

export async function withAbandonedUsage(outcome: CallOutcome, model: ModelEntry, reservation: Reservation): Promise<CallOutcome> {
  if (!isAbandonedStream(outcome)) return outcome;
  const { generated, ...rest } = outcome;
  const reported = outcome.usage;
  const counted = await countGeneratedTokens(model, generated).catch((err: unknown) => {
    // The lease and the log record wait on this: a failed count falls back to the estimate, never blocks them.
    console.error("token count failed; using the estimate", err instanceof Error ? err.message : String(err));
    return estimateTextTokens(generated.length);
  });
  const promptTokens = reported && reported.promptTokens > 0 ? reported.promptTokens : reservation.promptTokens;
  const completionTokens = Math.max(reported?.completionTokens ?? 0, Math.min(counted, reservation.completionTokens));
  return {
    ...rest,
    usage: { promptTokens, completionTokens, cachedTokens: reported?.cachedTokens ?? 0, reasoningTokens: reported?.reasoningTokens ?? 0 },
    usageEstimated: promptTokens !== reported?.promptTokens || completionTokens !== reported?.completionTokens,
  };
}
