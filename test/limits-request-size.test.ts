/**
 * A token reservation is bounded by what the model's routes can produce (a
 * larger max_tokens is refused before anything is reserved), and a request
 * whose reservation alone exceeds the key's tokens-per-minute limit is refused
 * up front (it could never fit), leaving the counters exactly as they were.
 */
import { describe, expect, it } from "vitest";
import { CATALOGUE, findModel } from "../src/providers/catalogue";
import { call, chat, errorOf, newCustomer } from "./helpers/router";
import { eventually, limiterStub } from "./helpers/limiter";

const user = (content: string) => [{ role: "user", content }];
const mistral = "mistral/mistral-small-latest";
const remainingTokens = (res: Response) => Number(res.headers.get("x-ratelimit-remaining-tokens"));
const tokensCounted = async (accountId: string) => (await limiterStub(accountId).snapshot()).tokens;

describe("request size against the token limit", () => {
  it("free tier: max_tokens at the model's maximum with n 128 is refused with the limit and the request's size, and counts nothing", async () => {
    const c = await newCustomer({ tier: "free" }); // 40,000 tokens per minute
    const maxOut = findModel(mistral)!.maxOutputTokens;
    const huge = await chat(c.key, { model: mistral, max_tokens: maxOut, n: 128, messages: user("hi") });
    expect(huge.status).toBe(400);
    const error = await errorOf(huge);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "request_exceeds_tokens_limit" });
    // Its maximum output × n (plus the prompt).
    expect(error.message).toContain("Limit 40000");
    // The prompt "hi" is estimated at 5 tokens (4 per message + 1).
    expect(error.message).toContain(`Requested ${maxOut * 128 + 5}`);
    expect(await tokensCounted(c.accountId)).toBe(0);

    // The counter is exact afterwards: a normal request reserves, then settles to its real usage.
    const first = await chat(c.key, { model: mistral, max_tokens: 100, messages: user("hi") });
    expect(first.status).toBe(200);
    const reserved = 40_000 - remainingTokens(first);
    expect(reserved).toBeGreaterThanOrEqual(100);
    expect(reserved).toBeLessThan(110);
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    await eventually(async () => (await tokensCounted(c.accountId)) === used);
    const second = await chat(c.key, { model: mistral, max_tokens: 100, messages: user("hi") });
    expect(remainingTokens(second)).toBe(40_000 - used - reserved);
  });

  it("the same holds for /v1/messages, in Anthropic's error shape", async () => {
    const c = await newCustomer({ tier: "free" });
    const res = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": c.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      // The model's largest output (128K) alone is above the free tier's 40,000 tokens per minute.
      body: JSON.stringify({ model: CATALOGUE.find((m) => m.provider === "anthropic")!.id, max_tokens: CATALOGUE.find((m) => m.provider === "anthropic")!.maxOutputTokens, messages: user("hi") }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("Limit 40000");
    expect(await tokensCounted(c.accountId)).toBe(0);
  });

  it("/v1/messages counts images and PDFs at a flat rate, not their base64 (also inside tool results), and text generously", async () => {
    const model = CATALOGUE.find((m) => m.provider === "anthropic")!.id;
    const base64 = "A".repeat(200_000); // a 200 KB image or PDF: 50,000 tokens if counted as text
    const image = { type: "image", source: { type: "base64", media_type: "image/jpeg", data: base64 } };
    const pdf = { type: "document", source: { type: "base64", media_type: "application/pdf", data: base64 } };
    const messages = [
      { role: "user", content: [image, { type: "text", text: "What is in it?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "fetch", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [pdf] }] },
    ];
    /** Tokens a new free key (40,000 tokens per minute) reserves for the request. */
    const reservation = async (extra: object) => {
      const c = await newCustomer({ tier: "free" });
      const res = await call("/v1/messages", {
        method: "POST",
        headers: { "x-api-key": c.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model, max_tokens: 1024, messages, ...extra }),
      });
      expect(res.status).toBe(200);
      await res.text();
      return 40_000 - remainingTokens(res);
    };
    const reserved = await reservation({});
    // 1,000 for the image, 3,000 for the PDF, the rest is a few hundred characters of JSON.
    expect(reserved).toBeGreaterThanOrEqual(1024 + 1_000 + 3_000);
    expect(reserved).toBeLessThan(1024 + 1_000 + 3_000 + 200);
    // Text is still counted at ~4 characters per token, the system prompt and tools included.
    const tools = [{ name: "fetch", description: "d".repeat(20_000), input_schema: { type: "object" } }];
    expect(await reservation({ system: "s".repeat(20_000), tools })).toBeGreaterThanOrEqual(reserved + 10_000);
  });

  it("a max_tokens above every route's maximum is refused naming the field, before anything is reserved; at the maximum it reserves the maximum", async () => {
    const c = await newCustomer({ tier: "pro" }); // 1,000,000 tokens per minute
    const model = findModel("openai/gpt-4o-mini")!;
    const refused = await chat(c.key, { model: model.id, max_tokens: Number.MAX_SAFE_INTEGER, messages: user("hi") });
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toMatchObject({ code: "invalid_value", param: "max_tokens" });
    expect(await tokensCounted(c.accountId)).toBe(0);
    const res = await chat(c.key, { model: model.id, max_tokens: model.maxOutputTokens, messages: user("hi") });
    expect(res.status).toBe(200);
    const reserved = 1_000_000 - remainingTokens(res);
    expect(reserved).toBeGreaterThanOrEqual(model.maxOutputTokens);
    expect(reserved).toBeLessThan(model.maxOutputTokens + 10);
    await res.text();
  });
});
