/** /v1/responses calls are logged once, with endpoint `responses`, and billed for their tokens. */
import { describe, expect, it } from "vitest";
import { logEventSchema } from "../src/shared/log-event";
import { callWithLog } from "./helpers/log-capture";
import { newCustomer } from "./helpers/router";

const init = (key: string, body: unknown): RequestInit => ({
  method: "POST",
  headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("/v1/responses requests are logged and billed like any other", () => {
  const cases = [["openai/gpt-4o-mini", false], ["mistral/mistral-small-latest", true], ["anthropic/claude-haiku-4-5", true], ["google/gemini-3.8-flash", false]] as const;
  for (const [model, stream] of cases) {
    it(`${model}${stream ? " (stream)" : ""}: one event with endpoint responses and the tokens the response reported`, async () => {
      const customer = await newCustomer();
      const call = await callWithLog("/v1/responses", init(customer.key, { model, stream, input: "Hello there" }));
      expect(call.response.status).toBe(200);
      const text = await call.response.text();
      const usage = (stream ? JSON.parse(text.trim().split("\n").at(-1)!.slice(6)).response.usage : JSON.parse(text).usage) as { input_tokens: number; output_tokens: number };
      const events = await call.settled();
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(logEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({ endpoint: "responses", model, status: 200, error_code: null, streamed: stream, attempts: 1 });
      expect(event.prompt_tokens).toBe(usage.input_tokens);
      expect(event.completion_tokens).toBe(usage.output_tokens);
      expect(event.prompt_tokens).toBeGreaterThan(0);
      expect(event.cost_nano_usd).toBeGreaterThan(0);
    });
  }

  it("a refused request is logged once as a 400 and costs nothing", async () => {
    const customer = await newCustomer();
    const call = await callWithLog("/v1/responses", init(customer.key, { model: "openai/gpt-4o-mini", input: "hi", previous_response_id: "resp_1" }));
    expect(call.response.status).toBe(400);
    const events = await call.settled();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ endpoint: "responses", status: 400, error_code: "previous_response_not_supported", cost_nano_usd: 0 });
  });
});
