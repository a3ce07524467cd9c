/**
 * The logged end of an abandoned stream is when its relay settled, not when
 * the router finished counting its tokens. The first count in an isolate
 * loads the tokenizer; this file does not preload it, so here that count is
 * slow (the test runner fetches and evaluates a 2.4 MB module; each test
 * file runs in its own isolate), and the event's end must fall near the
 * abort, not near the end of the count.
 */
import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import { callWithLog, chatInit } from "./helpers/log-capture";
import { newCustomer } from "./helpers/router";

describe("the logged end of an abandoned stream", () => {
  it("is when the client left, before its (slow, first) token count", async () => {
    const customer = await newCustomer();
    const controller = new AbortController();
    const model = CATALOGUE.find((m) => m.provider === "openai")!.id;
    const body = { model, stream: true, messages: [{ role: "user", content: 'fake:{"chunks":30,"chunkDelayMs":25}' }] };
    const made = await callWithLog("/v1/chat/completions", chatInit(customer.key, body, { signal: controller.signal }));
    const reader = made.response.body!.getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    const abortedAt = Date.now();

    const [event] = await made.settled();
    const loggedAt = Date.now();
    expect(event).toMatchObject({ client_aborted: true, usage_estimated: true });
    // Relative, not a fixed threshold: the end lies in the first half of the time
    // from the abort to the event (seen here: ~0 ms of ~4 s; counted in: ~4 s of ~4 s).
    expect(event!.completed_at - abortedAt).toBeLessThanOrEqual((loggedAt - abortedAt) / 2);
  });
});
