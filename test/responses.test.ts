/**
 * POST /v1/responses through the router for each provider family (OpenAI's
 * routes pass it through natively; the others are translated through the
 * chat core), streamed and not.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { finalResponse, outputText, parseResponsesEvents, responses, type OutputItem, type ResponseObject } from "./helpers/responses";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const MODELS = ["openai/gpt-4o-mini", "mistral/mistral-small-latest", "anthropic/claude-haiku-4-5", "google/gemini-3.8-flash"] as const;
const weather = { type: "function", name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } };
const REPLY = "Sunny days ahead in Paris.";

describe("POST /v1/responses, each provider family", () => {
  for (const model of MODELS) {
    it(`${model}: a Response object with the answer, instructions sent as the system turn, usage non-zero`, async () => {
      const marker = tag();
      const res = await responses(customer.key, { model, instructions: "Be brief.", input: `${marker} fake:{"reply":"${REPLY}"}`, max_output_tokens: 64 });
      expect(res.status).toBe(200);
      const body = (await res.json()) as ResponseObject;
      // OpenAI's own answer names its model as chat completions do; a translated route's Response object is the router's, with the catalogue id.
      const shownModel = model === "openai/gpt-4o-mini" ? "gpt-4o-mini" : model;
      expect(body).toMatchObject({ object: "response", status: "completed", model: shownModel, store: false, incomplete_details: null });
      expect(body.id).toMatch(/^resp_/);
      expect(body.output).toHaveLength(1);
      expect(body.output[0]).toMatchObject({ type: "message", role: "assistant", status: "completed" });
      expect(body.output[0]!.id).toMatch(/^msg_/);
      expect(outputText(body)).toBe(REPLY);
      expect(body.usage.input_tokens).toBeGreaterThan(0);
      expect(body.usage.output_tokens).toBeGreaterThan(0);
      expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
      expect(res.headers.get("x-emby-route")).toBeTruthy();
      const [seen] = await upstreamRequests(marker);
      expect(JSON.stringify(seen!.body)).toContain("Be brief.");
    });

    it(`${model}: streams OpenAI's events in order, numbered from 0, ending with response.completed and usage`, async () => {
      const res = await responses(customer.key, { model, stream: true, input: `fake:{"reply":"${REPLY}"}` });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const events = parseResponsesEvents(await res.text());
      const types = events.map((e) => e.event).filter((t) => t !== "response.output_text.delta");
      expect(types).toEqual([
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
      ]);
      events.forEach((e, i) => {
        expect(e.data.type).toBe(e.event);
        expect(e.data.sequence_number).toBe(i);
      });
      const deltas = events.filter((e) => e.event === "response.output_text.delta").map((e) => e.data.delta).join("");
      expect(deltas).toBe(REPLY);
      const done = finalResponse(events);
      expect(done.status).toBe("completed");
      expect(outputText(done)).toBe(REPLY);
      expect(done.usage.input_tokens).toBeGreaterThan(0);
      expect(done.usage.output_tokens).toBeGreaterThan(0);
    });

    for (const stream of [false, true]) {
      it(`${model}${stream ? " (stream)" : ""}: a tool round trip, the output items sent back with a function_call_output`, async () => {
        const first = await responses(customer.key, { model, stream, tools: [weather], input: "weather in Paris?" });
        expect(first.status).toBe(200);
        const answer = stream ? finalResponse(parseResponsesEvents(await first.text())) : ((await first.json()) as ResponseObject);
        const call = answer.output.find((i) => i.type === "function_call")!;
        expect(call).toMatchObject({ type: "function_call", name: "get_weather", status: "completed" });
        expect(call.id).toMatch(/^fc_/);
        expect(JSON.parse(call.arguments!)).toBeTypeOf("object");
        const marker = tag();
        const second = await responses(customer.key, {
          model,
          stream,
          tools: [weather],
          input: [{ role: "user", content: `${marker} weather in Paris?` }, ...answer.output, { type: "function_call_output", call_id: call.call_id, output: "sunny" }],
        });
        expect(second.status).toBe(200);
        const final = stream ? finalResponse(parseResponsesEvents(await second.text())) : ((await second.json()) as ResponseObject);
        expect(final.status).toBe("completed");
        expect(outputText(final).length).toBeGreaterThan(0);
        const [seen] = await upstreamRequests(marker);
        expect(JSON.stringify(seen!.body)).toContain("sunny");
      });
    }
  }
});

describe("POST /v1/responses: reasoning continuity", () => {
  for (const stream of [false, true]) {
    it(`Claude${stream ? " (stream)" : ""}: the signed thinking block comes back in the reasoning item and reaches Anthropic unchanged on the next turn`, async () => {
      const model = "anthropic/claude-haiku-4-5";
      const request = { model, reasoning: { effort: "low" }, include: ["reasoning.encrypted_content"], max_output_tokens: 500, tools: [weather] };
      const first = await responses(customer.key, { ...request, stream, input: "weather in Paris?" });
      const answer = stream ? finalResponse(parseResponsesEvents(await first.text())) : ((await first.json()) as ResponseObject);
      const reasoning = answer.output[0]!;
      expect(reasoning.type).toBe("reasoning");
      expect(reasoning.summary).toEqual([{ type: "summary_text", text: "Let me think about this." }]);
      expect(reasoning.encrypted_content).toBeTypeOf("string");
      expect(answer.usage.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
      const call = answer.output.find((i): i is OutputItem => i.type === "function_call")!;
      const marker = tag();
      await responses(customer.key, { ...request, input: [{ role: "user", content: `${marker} weather?` }, ...answer.output, { type: "function_call_output", call_id: call.call_id, output: "sunny" }] });
      const [seen] = await upstreamRequests(marker);
      const turns = seen!.body.messages as { role: string; content: { type: string; signature?: string; thinking?: string }[] }[];
      const assistant = turns.find((m) => m.role === "assistant")!;
      expect(assistant.content[0]).toMatchObject({ type: "thinking", thinking: "Let me think about this." });
      expect(assistant.content[0]!.signature).toMatch(/^sig-/);
      expect(assistant.content[1]).toMatchObject({ type: "tool_use", id: call.call_id });
    });
  }
});

describe("POST /v1/responses: request fields reach the upstream", () => {
  it("text.format json_schema becomes the chat response_format on a translated route", async () => {
    const marker = tag();
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
    const res = await responses(customer.key, { model: "mistral/mistral-small-latest", store: true, input: marker, text: { format: { type: "json_schema", name: "place", schema, strict: true } } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ResponseObject).store).toBe(false);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.response_format).toEqual({ type: "json_schema", json_schema: { name: "place", schema, strict: true } });
  });

  it("OpenAI's route gets the request natively: text.format as sent, store: true sent as false, the router's fields left out", async () => {
    const marker = tag();
    const format = { type: "json_schema", name: "place", schema: { type: "object", properties: { city: { type: "string" } } }, strict: false };
    const res = await responses(customer.key, { model: "openai/gpt-4o-mini", store: true, input: marker, text: { format }, provider: { order: ["openai"] } });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toMatch(/\/responses$/);
    expect(seen!.body).toMatchObject({ model: "gpt-4o-mini", store: false, text: { format } });
    expect(seen!.body.provider).toBeUndefined();
  });

  it("store: true never reaches a provider that stores nothing anyway (Mistral gets no store field)", async () => {
    const marker = tag();
    const res = await responses(customer.key, { model: "mistral/mistral-small-latest", store: true, input: marker, text: { format: { type: "json_object" } } });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.store).toBeUndefined();
    expect(seen!.body.response_format).toEqual({ type: "json_object" });
  });

  it("max_output_tokens, reasoning effort, temperature and a forced tool reach the chat request", async () => {
    const marker = tag();
    await responses(customer.key, { model: "mistral/mistral-small-latest", input: marker, max_output_tokens: 77, temperature: 0.3, tools: [weather], tool_choice: { type: "function", name: "get_weather" }, parallel_tool_calls: false });
    const [seen] = await upstreamRequests(marker);
    // Mistral's chat API names the completion maximum max_tokens.
    expect(seen!.body).toMatchObject({ max_tokens: 77, temperature: 0.3, tool_choice: { type: "function", function: { name: "get_weather" } }, parallel_tool_calls: false });
  });
});
