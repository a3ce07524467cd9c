import type { AdmitResult } from "./window";

/** OpenAI's duration format for x-ratelimit-reset-*: "20ms", "1.5s", "6m0s". */
export function formatReset(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const minutes = Math.floor(total / 60_000);
  const seconds = Math.round((total % 60_000) / 10) / 100;
  return minutes > 0 ? `${minutes}m${Math.floor(seconds)}s` : `${seconds}s`;
}

/** The OpenAI-style rate-limit headers for a limiter decision. */
export function rateLimitHeaders(result: AdmitResult): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(result.requests.limit),
    "x-ratelimit-remaining-requests": String(result.requests.remaining),
    "x-ratelimit-reset-requests": formatReset(result.requests.resetMs),
    "x-ratelimit-limit-tokens": String(result.tokens.limit),
    "x-ratelimit-remaining-tokens": String(result.tokens.remaining),
    "x-ratelimit-reset-tokens": formatReset(result.tokens.resetMs),
  };
}

/** Retry-After in whole seconds, at least 1. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
