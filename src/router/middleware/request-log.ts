import { createMiddleware } from "hono/factory";
import type { CallOutcome } from "../../providers/types";
import { logEventProblems } from "../../shared/log-event-check";
import type { AppEnv } from "../env";
import { buildLogEvent, type RequestFacts, type ResponseFacts } from "../log-event";
import { LOG_SEND_DEFAULTS, queueLogEvent, type LogQueue, type SendOptions } from "../log-sender";

export interface RequestLogOptions {
  /** Batch window and retry bounds of the queue send (tests shorten them). */
  send?: Partial<SendOptions>;
}

/** An outcome promise that rejected (a bug in an adapter) still ends in one event. */
const FAILED_OUTCOME: CallOutcome = { usage: null, result: "upstream_error", firstByteAt: null };

/**
 * Hands exactly one metadata event per request to the log queue (batched per
 * isolate, see log-sender), once the response has ended: after the handler for plain responses, after the body
 * for streams (src/router/call.ts hands over the call's record once, `call`).
 * Mount it right after requestId so every request, errors included, passes
 * through it. The work runs in waitUntil and never throws, so logging cannot
 * delay or break a response.
 */
export function requestLog(options: RequestLogOptions = {}) {
  const sendOptions: SendOptions = { ...LOG_SEND_DEFAULTS, ...options.send };
  return createMiddleware<AppEnv>(async (c, next) => {
    const receivedAt = Date.now();
    await next();
    try {
      const request: RequestFacts = {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        receivedAt,
        auth: c.get("erasedCaller") ? undefined : (c.get("auth") as AppEnv["Variables"]["auth"] | undefined),
        erasedCaller: c.get("erasedCaller") === true,
        headers: c.req.raw.headers,
        cf: c.req.raw.cf,
      };
      const response: ResponseFacts = {
        status: c.res.status,
        errorCode: c.get("errorCode"),
        call: c.get("call"),
        clientGoneEarly: c.req.raw.signal.aborted,
      };
      c.executionCtx.waitUntil(finishAndSend(c.env.LOG_QUEUE, request, response, sendOptions));
    } catch (err) {
      // Whatever goes wrong here costs the log event, never the response.
      console.error("log event not scheduled", c.get("requestId"), err instanceof Error ? err.message : String(err));
    }
  });
}

async function finishAndSend(queue: LogQueue, request: RequestFacts, response: ResponseFacts, options: SendOptions): Promise<void> {
  try {
    const pending = response.call?.outcome;
    const outcome = pending ? await pending.catch(() => FAILED_OUTCOME) : null;
    // A call's end is when its relay settled (an abandoned stream's tokens are counted after).
    const event = buildLogEvent(request, response, outcome, outcome?.endedAt ?? Date.now());
    // The schema's rules, checked by hand (zod's parse of it was ~3% of the isolate's time; log-event-check.ts).
    const problems = logEventProblems(event);
    if (problems.length > 0) {
      // A router bug; the problems name fields, never values.
      console.error("log event invalid, not sent", request.requestId, problems);
      return;
    }
    await queueLogEvent(queue, event, options);
  } catch (err) {
    console.error("log event failed", request.requestId, err instanceof Error ? err.message : String(err));
  }
}
