/**
 * Review findings on /v1/responses: what the native passthrough forwards to
 * OpenAI must be only what OpenAI's API accepts (it answers any unknown
 * field, also one inside an input item, with a 400 "Unknown parameter").
 */
import { beforeAll, describe, expect, it } from "vitest";
import { responses } from "./helpers/responses";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

describe("items the openai SDK assembled, sent back to an OpenAI route", () => {
  it("reach OpenAI without the SDK's derived fields (parsed_arguments, parsed), which OpenAI refuses", async () => {
    const marker = tag();
    const input = [
      { role: "user", content: `weather? ${marker}` },
      { type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed", parsed_arguments: { city: "Paris" } },
      { type: "function_call_output", call_id: "call_1", output: "sunny" },
      { type: "message", role: "assistant", id: "msg_1", status: "completed", content: [{ type: "output_text", text: '{"a":1}', annotations: [], parsed: { a: 1 } }] },
      { role: "user", content: "thanks" },
    ];
    const res = await responses(customer.key, { model: "openai/gpt-4o-mini", input });
    expect(res.status).toBe(200);
    const [sent] = await upstreamRequests(marker);
    const items = (sent!.body as { input: Record<string, unknown>[] }).input;
    expect(items[1]).not.toHaveProperty("parsed_arguments");
    expect((items[3]!.content as Record<string, unknown>[])[0]).not.toHaveProperty("parsed");
    // Everything else as the client sent it.
    expect(items[1]).toEqual({ type: "function_call", id: "fc_1", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" });
  });
});
