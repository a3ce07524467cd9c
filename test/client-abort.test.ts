/**
 * A client that leaves before the response headers. Cloudflare's runtime
 * aborts `request.signal` (compatibility flag `enable_request_signal`) when
 * the client disconnects while the handler has not yet produced a response;
 * here the test aborts the signal itself, since no local listener does (see
 * docs/api.md, "A client that leaves").
 */
import { describe, expect, it } from "vitest";
import { findModel } from "../src/providers/catalogue";
import { buildLogEvent, type RequestFacts, type ResponseFacts } from "../src/router/log-event";
import { callWithLog, chatInit } from "./helpers/log-capture";
import { eventually, limiterStub } from "./helpers/limiter";
import { chat, newCustomer, tag, upstreamRequests } from "./helpers/router";
import { upstreamSawAbort } from "./helpers/upstream-abort";

const mistral = "mistral/mistral-small-latest";
const leases = async (accountId: string) => (await limiterStub(accountId).snapshot()).leases;
const user = (content: string) => [{ role: "user", content }];

describe("a client that leaves while the upstream has not answered yet", () => {
  for (const stream of [false, true]) {
    it(`${stream ? "streamed" : "non-streamed"}: cancels the upstream call, frees the slot, is logged as 499 client_closed_request and billed the prompt estimate`, async () => {
      const c = await newCustomer({ key: { limits: { concurrency: 1 } } });
      const marker = tag();
      const prompt = `${marker} fake:{"firstByteDelayMs":1200}`;
      const controller = new AbortController();
      // The upstream would answer after 1.2 s, within the test's 1.5 s upstream timeout.
      const pending = callWithLog("/v1/chat/completions", chatInit(c.key, { model: mistral, stream, messages: user(prompt) }, { signal: controller.signal }));
      await eventually(async () => (await upstreamRequests(marker)).length === 1);
      // While the upstream works on it, the request holds the key's only slot.
      expect((await chat(c.key, { model: mistral, messages: user("blocked") })).status).toBe(429);

      controller.abort();
      const call = await pending;
      // 499, not the 504 of the upstream timeout: the client's leaving ended the call.
      expect(call.response.status).toBe(499);
      expect(await upstreamSawAbort(marker)).toBe(true);
      const [event, ...more] = await call.settled();
      expect(more).toHaveLength(0);
      // The provider had the prompt and bills it: billed at the admission estimate (4 per message + ~4 characters per token), marked estimated.
      const promptEstimate = 4 + Math.ceil(prompt.length / 4);
      expect(event).toMatchObject({ status: 499, error_code: "client_closed_request", client_aborted: true, streamed: stream, attempts: 1 });
      expect(event).toMatchObject({ prompt_tokens: promptEstimate, completion_tokens: 0, usage_estimated: true });
      expect(event!.cost_nano_usd).toBeGreaterThan(0);

      // The limiter settles to the same: the slot is free and the prompt stays counted.
      await eventually(async () => (await leases(c.accountId)) === 0);
      await eventually(async () => (await limiterStub(c.accountId).snapshot()).tokens === promptEstimate);
      expect((await chat(c.key, { model: mistral, messages: user("free again") })).status).toBe(200);
    });
  }
});

describe("a client gone before the request was sent upstream", () => {
  it("costs nothing: the provider never saw the prompt", async () => {
    const c = await newCustomer();
    const marker = tag();
    const controller = new AbortController();
    controller.abort();
    const call = await callWithLog("/v1/chat/completions", chatInit(c.key, { model: mistral, messages: user(`${marker} hello`) }, { signal: controller.signal }));
    expect(call.response.status).toBe(499);
    const [event] = await call.settled();
    expect(event).toMatchObject({ status: 499, error_code: "client_closed_request", prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0, usage_estimated: false });
    expect(await upstreamRequests(marker)).toHaveLength(0);
    await eventually(async () => (await leases(c.accountId)) === 0);
    expect((await limiterStub(c.accountId).snapshot()).tokens).toBe(0);
  });
});

describe("the log event of a request whose client left before the handler answered", () => {
  const model = findModel(mistral)!;
  const ATTEMPT = { route: "mistral-eu", model: model.id, upstreamModel: model.routes[0]!.upstreamModel, code: "ok", status: 200, latencyMs: 10 };
  const request: RequestFacts = { requestId: "req_0123456789abcdef0123456789abcdef", method: "POST", path: "/v1/chat/completions", receivedAt: 1_000, auth: undefined, headers: new Headers(), cf: undefined };
  const usage = { promptTokens: 10, completionTokens: 5, cachedTokens: 0, reasoningTokens: 0 };

  it("says 499 even when the upstream's answer had already arrived: no client received a 200", () => {
    const response: ResponseFacts = { status: 200, errorCode: undefined, call: { model, route: model.routes[0]!, attempts: [ATTEMPT], streamed: false, markupBps: 0 }, clientGoneEarly: true };
    const event = buildLogEvent(request, response, { usage, result: "completed", firstByteAt: 1_100 }, 1_200);
    expect(event).toMatchObject({ status: 499, error_code: "client_closed_request", client_aborted: true });
    // What the provider produced is still counted and billed: the provider charges for it.
    expect(event).toMatchObject({ prompt_tokens: 10, completion_tokens: 5 });
    expect(event.cost_nano_usd).toBeGreaterThan(0);
  });

  it("keeps the status of a client that stayed until the headers", () => {
    const response: ResponseFacts = { status: 200, errorCode: undefined, call: { model, route: model.routes[0]!, attempts: [ATTEMPT], streamed: false, markupBps: 0 }, clientGoneEarly: false };
    expect(buildLogEvent(request, response, { usage, result: "completed", firstByteAt: 1_100 }, 1_200)).toMatchObject({ status: 200, error_code: null, client_aborted: false });
  });
});
