import { describe, expect, it } from "vitest";
import { logEventSchema } from "../src/shared/log-event";
import { callWithLog } from "./helpers/log-capture";
import { newCustomer } from "./helpers/router";

const init = (key: string, body: unknown): RequestInit => ({
  method: "POST",
  headers: { "x-api-key": key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("/v1/messages requests are logged like any other", () => {
  for (const [model, stream] of [["anthropic/claude-haiku-4-5", false], ["anthropic/claude-haiku-4-5", true], ["google/gemini-3.8-flash", true]] as const) {
    it(`${model}${stream ? " (stream)" : ""}: one event with endpoint messages and the call's tokens`, async () => {
      const customer = await newCustomer();
      const call = await callWithLog("/v1/messages", init(customer.key, { model, max_tokens: 64, stream, messages: [{ role: "user", content: "Hello there" }] }));
      expect(call.response.status).toBe(200);
      await call.response.text();
      const events = await call.settled();
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(logEventSchema.safeParse(event).success).toBe(true);
      expect(event).toMatchObject({ endpoint: "messages", model, status: 200, error_code: null, streamed: stream, attempts: 1 });
      expect(event.prompt_tokens).toBeGreaterThan(0);
      expect(event.completion_tokens).toBeGreaterThan(0);
      expect(event.cost_nano_usd).toBeGreaterThan(0);
    });
  }

  for (const stream of [false, true]) {
    it(`anthropic/* pass-through${stream ? " (stream)" : ""}: Claude's thinking tokens reach the client unchanged and the log as reasoning tokens`, async () => {
      const customer = await newCustomer();
      const request = { model: "anthropic/claude-haiku-4-5", max_tokens: 2048, stream, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "Think first" }] };
      const call = await callWithLog("/v1/messages", init(customer.key, request));
      const text = await call.response.text();
      // Non-streamed: usage of the message; streamed: the final message_delta's usage.
      const usages = stream ? text.split("\n").filter((l) => l.includes('"message_delta"')).map((l) => JSON.parse(l.slice(6)).usage) : [JSON.parse(text).usage];
      const thinking = usages.at(-1).output_tokens_details.thinking_tokens as number;
      expect(thinking).toBeGreaterThan(0);
      const [event] = await call.settled();
      expect(event).toMatchObject({ reasoning_tokens: thinking, completion_tokens: usages.at(-1).output_tokens });
    });
  }
});
