import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { findModel } from "../src/providers/catalogue";
import { routeAvailable } from "../src/routing/availability";
import { logEventSchema } from "../src/shared/log-event";
import { callWithLog, chatInit } from "./helpers/log-capture";
import { newCustomer, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

// One model per wire format of the fake upstream: OpenAI, Mistral, Anthropic, Gemini.
const MODELS = ["openai/gpt-4o-mini", "mistral/mistral-small-latest", "anthropic/claude-sonnet-5-5", "google/gemini-3.8-flash"];

describe("an upstream that drops the connection halfway through a non-streamed body", () => {
  for (const model of MODELS) {
    it(`${model}: a clear 502 in OpenAI's shape, logged once as that error`, async () => {
      const call = await callWithLog(
        "/v1/chat/completions",
        chatInit(customer.key, { model, messages: [{ role: "user", content: 'fake:{"drop":"mid"}' }] }),
      );
      expect(call.response.status).toBe(502);
      const { error } = (await call.response.json()) as { error: { type: string; code: string; message: string } };
      expect(error.code).toBe("upstream_interrupted");
      expect(error.message).toMatch(/connection .* was lost/);
      const events = await call.settled();
      expect(events).toHaveLength(1);
      expect(logEventSchema.safeParse(events[0]).success).toBe(true);
      // Nothing reached the client, so every route of the model served here was tried (this customer consented to all regions).
      const served = findModel(model)!.routes.filter((r) => routeAvailable(r, env)).length;
      expect(events[0]).toMatchObject({ status: 502, error_code: error.code, client_aborted: false, attempts: served, prompt_tokens: 0 });
    });
  }

  it("/v1/messages (passed through to Anthropic): the same 502, in Anthropic's shape", async () => {
    const call = await callWithLog("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": customer.key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "anthropic/claude-sonnet-5-5", max_tokens: 64, messages: [{ role: "user", content: 'fake:{"drop":"mid"}' }] }),
    });
    expect(call.response.status).toBe(502);
    expect(await call.response.json()).toMatchObject({ type: "error", error: { type: "api_error", message: expect.stringMatching(/connection .* was lost/) } });
    const events = await call.settled();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: 502, error_code: "upstream_interrupted" });
  });
});
