/**
 * End-to-end: /v1/responses under `wrangler dev` as the clients that lead with
 * it call it: the official OpenAI SDK (`responses.create`, `responses.stream`)
 * and the Vercel AI SDK's default OpenAI provider (which speaks the Responses
 * API), for a model of every provider.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, isStepCount, jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_MODELS } from "../../scripts/stack.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
let client: OpenAI;
let provider: ReturnType<typeof createOpenAI>;

beforeAll(async () => {
  e2e = await startE2EStack("responses");
  client = new OpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0 });
  provider = createOpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1` });
});

afterAll(() => e2e?.stop());

const REPLY = "Hello from the fake upstream.";
const weather: OpenAI.Responses.FunctionTool = { type: "function", name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: false };

describe("official openai SDK: responses", () => {
  for (const model of E2E_MODELS) {
    it(`${model}: responses.create with usage, output_text computed by the SDK`, async () => {
      const response = await client.responses.create({ model, input: "Hello", store: true });
      expect(response.output_text).toBe(REPLY);
      expect(response.usage!.input_tokens).toBeGreaterThan(0);
      expect(response.usage!.output_tokens).toBeGreaterThan(0);
    });

    it(`${model}: responses.stream, text deltas and the final response`, async () => {
      const stream = client.responses.stream({ model, input: 'fake:{"chunks":4}' });
      const deltas: string[] = [];
      stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
      const final = await stream.finalResponse();
      expect(deltas.join("")).toBe(REPLY);
      expect(final.output_text).toBe(REPLY);
      expect(final.usage!.output_tokens).toBeGreaterThan(0);
    });

    for (const stream of [false, true]) {
      it(`${model}: tool round trip with function_call_output${stream ? " (stream)" : ""}`, async () => {
        const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "Weather in Paris?" }];
        const first = stream ? await client.responses.stream({ model, input, tools: [weather] }).finalResponse() : await client.responses.create({ model, input, tools: [weather] });
        const call = first.output.find((i) => i.type === "function_call") as OpenAI.Responses.ResponseFunctionToolCall;
        expect(call.name).toBe("get_weather");
        input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: "function_call_output", call_id: call.call_id, output: "sunny" });
        const second = stream ? await client.responses.stream({ model, input, tools: [weather] }).finalResponse() : await client.responses.create({ model, input, tools: [weather] });
        expect(second.output_text).toBe(REPLY);
        expect(second.usage!.input_tokens).toBeGreaterThan(0);
      });
    }

    it(`${model}: structured output with a JSON schema is accepted and echoed (its upstream form: test/responses.test.ts)`, async () => {
      const format = { type: "json_schema", name: "place", schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }, strict: true } as const;
      const response = await client.responses.create({ model, input: "Where?", text: { format } });
      expect(response.status).toBe("completed");
      expect(response.text!.format).toEqual(format);
    });
  }

  it("previous_response_id is a 400 that says to send the history", async () => {
    const error = await client.responses.create({ model: "mistral/mistral-small-latest", input: "hi", previous_response_id: "resp_1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("previous_response_not_supported");
  });
});

describe("Vercel AI SDK: the default openai(model) provider", () => {
  const getWeather = tool({ description: "Current weather", inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }), execute: async () => "sunny" });

  for (const model of E2E_MODELS) {
    it(`${model}: generates and streams text`, async () => {
      const generated = await generateText({ model: provider(model), prompt: "Hello" });
      expect(generated.text).toBe(REPLY);
      expect(generated.usage.outputTokens).toBeGreaterThan(0);
      const streamed = streamText({ model: provider(model), prompt: "Hello" });
      expect(await streamed.text).toBe(REPLY);
    });

    it(`${model}: a tool call and its result over two steps, generated and streamed`, async () => {
      const options = { model: provider(model), prompt: "Weather in Paris?", tools: { get_weather: getWeather }, stopWhen: isStepCount(2), providerOptions: { openai: { store: false } } };
      const generated = await generateText(options);
      expect(generated.steps[0]!.toolCalls.map((c) => c.toolName)).toEqual(["get_weather"]);
      expect(generated.text).toBe(REPLY);
      const streamed = streamText(options);
      expect(await streamed.text).toBe(REPLY);
    });
  }
});
