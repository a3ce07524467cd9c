/**
 * Review findings on /v1/responses: what the native passthrough forwards to
 * OpenAI must be only what OpenAI's API accepts (it answers any unknown
 * field, also one inside an input item, with a 400 "Unknown parameter").
 */
import { beforeAll, describe, expect, it } from "vitest";
import { responses, type ResponseObject } from "./helpers/responses";
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

describe("a conversation begun on Claude and continued on an OpenAI route", () => {
  it("does not send OpenAI the router's own reasoning carrier, which only the router can read (OpenAI refuses it as undecryptable)", async () => {
    const weather = { type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } };
    const first = await responses(customer.key, { model: "anthropic/claude-haiku-4-5", input: `weather? ${tag()}`, tools: [weather], reasoning: { effort: "low" }, max_output_tokens: 500 });
    expect(first.status).toBe(200);
    const output = ((await first.json()) as ResponseObject).output;
    const carried = output.find((item) => item.type === "reasoning" && item.encrypted_content);
    expect(carried?.encrypted_content).toMatch(/^emby-reasoning-v1:/);
    const call = output.find((item) => item.type === "function_call")!;
    const marker = tag();
    const input = [{ role: "user", content: `weather? ${marker}` }, ...output, { type: "function_call_output", call_id: call.call_id, output: "sunny" }];
    const res = await responses(customer.key, { model: "openai/gpt-4o-mini", input, tools: [weather] });
    expect(res.status).toBe(200);
    const [sent] = await upstreamRequests(marker);
    expect(JSON.stringify(sent!.body)).not.toContain("emby-reasoning-v1:");
    // The call and its result still go, in order.
    const types = (items: { type?: string }[]) => items.map((i) => i.type ?? "message");
    expect(types((sent!.body as { input: { type?: string }[] }).input)).toEqual(types(input).filter((t) => t !== "reasoning"));
  });
});
