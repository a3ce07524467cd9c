import { beforeAll, describe, expect, it } from "vitest";
import { chat, errorOf, newCustomer, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const ask = (model: string, directive: object, stream = false) =>
  chat(customer.key, { model, stream, messages: [{ role: "user", content: `fake:${JSON.stringify(directive)}` }] });

describe("upstream error mapping", () => {
  it("passes a 400 from OpenAI on with its message, in OpenAI shape", async () => {
    const res = await ask("openai/gpt-4o-mini", { status: 400 });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({ message: "Fake upstream error 400.", type: "invalid_request_error", code: "upstream_invalid_request", param: null });
  });

  it("passes a Mistral 4xx message on", async () => {
    const res = await ask("mistral/mistral-small-latest", { status: 400 });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toBe("Fake upstream error 400.");
  });

  it("turns an upstream 401 (the router's credential) into 502, never a client 401", async () => {
    const res = await ask("openai/gpt-4o-mini", { status: 401 });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_auth_error");
  });

  it("maps 429 to 429 with Retry-After", async () => {
    const res = await ask("openai/gpt-4o-mini", { status: 429, retryAfter: 7 });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await errorOf(res)).toMatchObject({ type: "rate_limit_error", code: "upstream_rate_limited" });
  });

  it("maps 5xx to 502 and 503 to 503", async () => {
    for (const model of ["openai/gpt-4o-mini", "mistral/mistral-small-latest"]) {
      const res = await ask(model, { status: 500 });
      expect(res.status).toBe(502);
      expect(await errorOf(res)).toMatchObject({ type: "upstream_error", code: "upstream_error" });
    }
    const unavailable = await ask("openai/gpt-4o-mini", { status: 503, retryAfter: 3 });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("3");
  });

  it("maps a slow upstream to 504 (streaming or not)", async () => {
    for (const stream of [false, true]) {
      const res = await ask("openai/gpt-4o-mini", { firstByteDelayMs: 2500 }, stream);
      expect(res.status).toBe(504);
      expect(await errorOf(res)).toMatchObject({ type: "timeout_error", code: "upstream_timeout" });
    }
  });

  it("does not cut a long stream at the header timeout", async () => {
    // 6 chunks x 400 ms = 2.4 s, longer than the 1.5 s header timeout in tests.
    const res = await ask("openai/gpt-4o-mini", { chunks: 6, chunkDelayMs: 400 }, true);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("[DONE]");
    expect(text).not.toContain('"error"');
  });

  it("maps a connection dropped before headers to 502", async () => {
    const res = await ask("openai/gpt-4o-mini", { drop: "before" });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_unreachable");
  });

  it("does not follow redirects", async () => {
    const res = await ask("openai/gpt-4o-mini", { redirect: true });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_redirect");
  });

  it("maps a 200 with a body that is not JSON to 502", async () => {
    const res = await ask("openai/gpt-4o-mini", { garbage: true });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe("upstream_invalid_response");
  });

  it("keeps x-request-id on mapped errors", async () => {
    const res = await ask("openai/gpt-4o-mini", { status: 500 });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
