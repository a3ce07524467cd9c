/** Log event fixtures for tests of the logger and of the router's read routes. */
import { MAX_ATTEMPTS, type AttemptLogEntry, type LogEvent } from "../../src/shared/log-event";

const hex32 = () => crypto.randomUUID().replaceAll("-", "");
export const newRequestId = () => `req_${hex32()}`;
export const newAccountId = () => `acct_${hex32()}`;

/**
 * The routing fields of a request that fell back: the `openai` endpoint
 * answered 503, then `openai-eu` answered. Spread into logEvent(); the
 * default event has none, as from a router deployed before routing.
 */
export function fellBack(): Pick<LogEvent, "attempts" | "route" | "data_region" | "attempt_log"> {
  const attempt_log: AttemptLogEntry[] = [
    { route: "openai", upstream_model: "gpt-4o-mini", code: "upstream_unavailable", status: 503, latency_ms: 40 },
    { route: "openai-eu", upstream_model: "gpt-4o-mini-2024-07-18", code: "ok", status: 200, latency_ms: 210 },
  ];
  return { attempts: attempt_log.length, route: "openai-eu", data_region: "eu", attempt_log };
}

/** The largest routing record the event allows: ten attempts of the longest values, the last one answering. */
export function longestRouting(): Pick<LogEvent, "attempts" | "route" | "data_region" | "attempt_log"> {
  const attempt_log = Array.from({ length: MAX_ATTEMPTS }, (_, i) => ({
    route: "r".repeat(32),
    upstream_model: "u".repeat(128),
    code: i === MAX_ATTEMPTS - 1 ? "ok" : `e${"x".repeat(63)}`,
    status: i === 0 ? null : 599,
    latency_ms: Number.MAX_SAFE_INTEGER,
  }));
  return { attempts: MAX_ATTEMPTS, route: "r".repeat(32), data_region: "global", attempt_log };
}

/** A valid event: a completed non-streaming openai/gpt-4o-mini call, 250 ms, received at `receivedAt`. */
export function logEvent(overrides: Partial<LogEvent> & { receivedAt?: number } = {}): LogEvent {
  const { receivedAt = Date.now(), ...rest } = overrides;
  return {
    v: 1,
    request_id: newRequestId(),
    account_id: newAccountId(),
    key_id: `key_${hex32()}`,
    endpoint: "chat.completions",
    method: "POST",
    model: "openai/gpt-4o-mini",
    provider: "openai",
    upstream_model: "gpt-4o-mini",
    attempts: 1,
    received_at: receivedAt,
    first_byte_at: receivedAt + 100,
    completed_at: receivedAt + 250,
    latency_ms: 250,
    status: 200,
    error_code: null,
    prompt_tokens: 10,
    completion_tokens: 20,
    cached_tokens: 0,
    reasoning_tokens: 0,
    // 10 × 0.15 + 20 × 0.6 USD per million tokens = 13.5 µUSD
    cost_nano_usd: 13_500,
    streamed: false,
    client_aborted: false,
    ip: "203.0.113.7",
    user_agent: "test-agent/1.0",
    edge_location: "FRA",
    ...rest,
  };
}
