import { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import { upstreamRetryAfter } from "../src/providers/upstream";
import type { AppEnv } from "../src/router/env";
import { onError } from "../src/router/on-error";
import { ApiError, DEFAULT_RETRY_AFTER_S } from "../src/shared/errors";
import { messages } from "./helpers/messages";
import { chat, newCustomer, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const modelOf = (provider: string) => CATALOGUE.find((m) => m.provider === provider)!.id;
const ask = (model: string, directive: object, stream = false) =>
  chat(customer.key, { model, stream, messages: [{ role: "user", content: `fake:${JSON.stringify(directive)}` }] });

describe("Retry-After on upstream 429 and 503", () => {
  it("carries the documented default on a 429 without any hint, for every provider format", async () => {
    for (const provider of ["openai", "mistral", "anthropic", "google"]) {
      for (const stream of [false, true]) {
        const res = await ask(modelOf(provider), { status: 429 }, stream);
        expect(res.status, provider).toBe(429);
        expect(res.headers.get("retry-after"), `${provider} stream=${stream}`).toBe(String(DEFAULT_RETRY_AFTER_S));
        await res.body?.cancel();
      }
    }
  });

  it("carries it on /v1/messages too (Anthropic passed through, and translated providers)", async () => {
    for (const model of [modelOf("anthropic"), modelOf("google")]) {
      const res = await messages(customer.key, { model, max_tokens: 16, messages: [{ role: "user", content: 'fake:{"status":429}' }] });
      expect(res.status, model).toBe(429);
      expect(res.headers.get("retry-after"), model).toBe(String(DEFAULT_RETRY_AFTER_S));
      expect(await res.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    }
  });

  it("carries the default on an upstream 503 without a hint", async () => {
    const res = await ask(modelOf("openai"), { status: 503 });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe(String(DEFAULT_RETRY_AFTER_S));
  });

  it("passes on a Retry-After HTTP-date as seconds", async () => {
    const res = await ask(modelOf("mistral"), { status: 429, retryAfterDateIn: 30 });
    expect(res.status).toBe(429);
    const seconds = Number(res.headers.get("retry-after"));
    expect(seconds).toBeGreaterThanOrEqual(28);
    expect(seconds).toBeLessThanOrEqual(31);
  });

  it("uses OpenAI's reset time of the exhausted limit when there is no Retry-After", async () => {
    const res = await ask(modelOf("openai"), { status: 429, resetTokens: "1m30s" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("90");
  });

  it("uses Gemini's RetryInfo retryDelay from the error body", async () => {
    const res = await ask(modelOf("google"), { status: 429, retryDelay: "27.2s" });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("28");
  });
});

describe("upstreamRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  const of = (headers: Record<string, string>) => upstreamRetryAfter(new Headers(headers), now);

  it("reads every form and rounds up to whole seconds, at least 1, at most a day", () => {
    expect(of({ "retry-after": "7" })).toBe(7);
    expect(of({ "retry-after": "0" })).toBe(1);
    expect(of({ "retry-after": "Thu, 01 Jan 2026 00:00:45 GMT" })).toBe(45);
    expect(of({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" })).toBe(1);
    expect(of({ "retry-after-ms": "1500" })).toBe(2);
    expect(of({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "20ms", "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "6m0s" })).toBe(360);
    expect(of({ "x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "50s" })).toBe(DEFAULT_RETRY_AFTER_S);
    expect(of({ "retry-after": "999999999" })).toBe(86_400);
    expect(of({ "retry-after": "soon" })).toBe(DEFAULT_RETRY_AFTER_S);
    expect(of({})).toBe(DEFAULT_RETRY_AFTER_S);
  });
});

it("gives any 429 the router answers a Retry-After, even one made without it", async () => {
  const app = new Hono<AppEnv>()
    .get("/", () => {
      throw new ApiError(429, "rate_limit_error", "some_new_limit", "Slow down.");
    })
    .onError(onError);
  const res = await app.request("/");
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe(String(DEFAULT_RETRY_AFTER_S));
});
