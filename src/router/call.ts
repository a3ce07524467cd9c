/**
 * What every model call does around the provider: access checks, admission by
 * the limiter, the log record, and releasing the lease when the response ends.
 * Shared by /v1/chat/completions and /v1/messages.
 */
import type { Context } from "hono";
import { admit, release } from "../limits/client";
import type { Reservation } from "../limits/estimate";
import type { CallOutcome, ChatResult, ModelEntry, Usage } from "../providers/types";
import { ClientClosedError } from "../providers/upstream";
import { errors } from "../shared/errors";
import { isAbandonedStream, withAbandonedUsage } from "./abandoned-usage";
import type { AppEnv, AuthContext } from "./env";
import { trackCall } from "./middleware/request-log";

/** Which models this caller may use, and where their data may go. */
export function checkModelAccess(auth: AuthContext, model: ModelEntry): void {
  if (auth.allowedModels && !auth.allowedModels.includes(model.id)) {
    throw errors.forbidden(`This API key is not allowed to use '${model.id}'.`, "model_not_allowed");
  }
  if (model.region !== "eu" && !auth.nonEuConsent) {
    throw errors.forbidden(
      `'${model.id}' is processed outside the EU (${model.region}). Record consent with PUT /v1/account/consent first.`,
      "consent_required",
    );
  }
}

const totalTokens = (usage: Usage | null) => (usage ? usage.promptTokens + usage.completionTokens : null);

/**
 * A failed call is free (the provider completed nothing), except when the
 * client left after the request had gone upstream: the provider has read the
 * prompt and bills it, so it is billed, as for an abandoned stream, at the
 * prompt estimate made at admission with no completion, marked estimated.
 */
function promptOnlyOutcome(err: unknown, reservation: Reservation): CallOutcome | null {
  if (!(err instanceof ClientClosedError && err.upstreamSent)) return null;
  return {
    usage: { promptTokens: reservation.promptTokens, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
    result: "client_aborted",
    firstByteAt: null,
    usageEstimated: true,
    endedAt: Date.now(),
  };
}

/**
 * Runs one admitted provider call. Throws 403 (access), 429/503 (limiter) or
 * the provider's mapped error; on success the lease is released, and the real
 * usage settled, once the response body has ended.
 */
export async function runModelCall(
  c: Context<AppEnv>,
  model: ModelEntry,
  options: { streamed: boolean; reservation: Reservation },
  call: () => Promise<ChatResult>,
): Promise<ChatResult> {
  const callLog = trackCall(c, model, options.streamed);
  const auth = c.get("auth");
  checkModelAccess(auth, model);
  const leaseId = c.get("requestId");
  c.set("rateLimitHeaders", await admit(c.env, auth, leaseId, model.id, options.reservation));
  let result: ChatResult;
  try {
    callLog.attempts++;
    result = await call();
  } catch (err) {
    const outcome = promptOnlyOutcome(err, options.reservation);
    // The log event carries what is billed; the limiter settles to the same.
    if (outcome) callLog.outcome = Promise.resolve(outcome);
    c.executionCtx.waitUntil(release(c.env, auth.accountId, leaseId, totalTokens(outcome?.usage ?? null) ?? 0));
    throw err;
  }
  // Settles when the body has ended, been abandoned by the client, or failed:
  // the request log waits for it, and the limiter settles the real usage (an
  // abandoned stream's is counted from what it generated; other unknown usage
  // keeps the reservation).
  // The call ended when the relay settled: the log's end time and latency
  // leave out the counting that follows.
  const ended = result.outcome.then((o): CallOutcome => ({ ...o, endedAt: Date.now() }));
  const outcome = ended.then((o) => withAbandonedUsage(o, model, options.reservation));
  callLog.outcome = outcome;
  c.executionCtx.waitUntil(
    ended.then(async (o) => {
      const settle = outcome.then((s) => release(c.env, auth.accountId, leaseId, totalTokens(s.usage)));
      // An abandoned stream frees its slot at once and settles its tokens when
      // counted (the first count in an isolate loads the tokenizer). Both
      // usually ride in one limiter call.
      await (isAbandonedStream(o) ? Promise.all([release(c.env, auth.accountId, leaseId, null), settle]) : settle);
    }),
  );
  return { ...result, outcome };
}
