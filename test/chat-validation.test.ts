import { beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/router/body";
import { chat, errorOf, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const user = (content: string) => [{ role: "user", content }];

describe("chat completion request validation", () => {
  it("rejects a body that is not JSON with 400 invalid_json", async () => {
    const res = await chat(customer.key, "{not json");
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
  });

  it("names a missing required field", async () => {
    const res = await chat(customer.key, { model: "mistral/mistral-small-latest" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("messages");
  });

  it("names a bad nested field", async () => {
    const res = await chat(customer.key, { model: "mistral/mistral-small-latest", messages: [{ role: "wizard", content: "hi" }] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("messages[0].role");
    const temp = await chat(customer.key, { model: "mistral/mistral-small-latest", messages: user("hi"), temperature: 5 });
    expect((await errorOf(temp)).param).toBe("temperature");
  });

  it("rejects unknown top-level fields by name, as OpenAI does", async () => {
    const res = await chat(customer.key, { model: "mistral/mistral-small-latest", messages: user("hi"), frobnicate: true });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "unknown_parameter", param: "frobnicate", message: "Unrecognized request argument supplied: frobnicate" });
  });

  it("rejects stream_options without stream", async () => {
    const res = await chat(customer.key, { model: "openai/gpt-4o-mini", messages: user("hi"), stream_options: { include_usage: true } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("stream_options");
  });

  it("answers 413 for a body over the limit, counted while streaming it in", async () => {
    const marker = tag();
    const big = "x".repeat(MAX_BODY_BYTES + 1);
    // A streamed body has no Content-Length, so only counting can catch it.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const enc = new TextEncoder();
        controller.enqueue(enc.encode(`{"model":"mistral/mistral-small-latest","messages":[{"role":"user","content":"${marker}`));
        for (let i = 0; i < big.length; i += 1 << 20) controller.enqueue(enc.encode(big.slice(i, i + (1 << 20))));
        controller.enqueue(enc.encode('"}]}'));
        controller.close();
      },
    });
    const res = await chat(customer.key, stream);
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("request_too_large");
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("answers 413 at once when Content-Length is over the limit", async () => {
    const body = JSON.stringify({ model: "mistral/mistral-small-latest", messages: user("x".repeat(MAX_BODY_BYTES)) });
    const res = await chat(customer.key, body);
    expect(res.status).toBe(413);
  });

  it("answers 404 model_not_found for a model not in the catalogue", async () => {
    const res = await chat(customer.key, { model: "openai/gpt-nonexistent", messages: user("hi") });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ type: "not_found_error", code: "model_not_found", param: "model" });
  });

  it("answers 403 model_not_allowed outside the key's allow-list", async () => {
    const restricted = await newCustomer({ key: { models: ["mistral/mistral-small-latest"] } });
    const res = await chat(restricted.key, { model: "openai/gpt-4o-mini", messages: user("hi") });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("model_not_allowed");
    expect((await chat(restricted.key, { model: "mistral/mistral-small-latest", messages: user("hi") })).status).toBe(200);
  });

  it("needs recorded consent for a non-EU provider, but not for an EU one", async () => {
    const noConsent = await newCustomer({ consent: false });
    const marker = tag();
    const res = await chat(noConsent.key, { model: "openai/gpt-4o-mini", messages: user(marker) });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("consent_required");
    expect(await upstreamRequests(marker)).toHaveLength(0);
    expect((await chat(noConsent.key, { model: "mistral/mistral-small-latest", messages: user("hi") })).status).toBe(200);
  });

  it("answers 400 for a parameter the provider cannot honour, naming it", async () => {
    const res = await chat(customer.key, { model: "mistral/mistral-small-latest", messages: user("hi"), logprobs: true });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "unsupported_parameter", param: "logprobs" });
  });
});
