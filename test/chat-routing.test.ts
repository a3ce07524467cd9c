import { beforeAll, describe, expect, it } from "vitest";
import { chat, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

interface Completion {
  object: string;
  choices: { message: { role: string; content: string | null; tool_calls?: unknown[] }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

describe("model routing", () => {
  it("sends openai/* to the OpenAI base URL with the upstream model name", async () => {
    const marker = tag();
    const res = await chat(customer.key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: marker }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Completion;
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]!.message.content).toBe("Hello from the fake upstream.");
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe("/openai/v1/chat/completions");
    expect(seen!.body.model).toBe("gpt-4o-mini");
  });

  it("sends mistral/* to the Mistral base URL in a body Mistral accepts", async () => {
    const marker = tag();
    const res = await chat(customer.key, {
      model: "mistral/mistral-small-latest",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: marker, name: "ada" },
      ],
      seed: 7,
      max_completion_tokens: 50,
      user: "end-user-1",
    });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe("/mistral/v1/chat/completions");
    expect(seen!.body).toMatchObject({
      model: "mistral-small-latest",
      random_seed: 7,
      max_tokens: 50,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: marker },
      ],
    });
    expect(seen!.body).not.toHaveProperty("seed");
    expect(seen!.body).not.toHaveProperty("user");
    expect(seen!.body).not.toHaveProperty("max_completion_tokens");
  });

  it("asks OpenAI for stream usage; never sends Mistral stream_options", async () => {
    const a = tag();
    await (await chat(customer.key, { model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: a }] })).text();
    expect((await upstreamRequests(a))[0]!.body.stream_options).toEqual({ include_usage: true });
    const b = tag();
    const res = await chat(customer.key, { model: "mistral/mistral-small-latest", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: b }] });
    expect(res.status).toBe(200);
    await res.text();
    expect((await upstreamRequests(b))[0]!.body).not.toHaveProperty("stream_options");
  });

  it("passes OpenAI parameters through unchanged", async () => {
    const marker = tag();
    const request = {
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: marker }],
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 20,
      stop: ["END"],
      seed: 1,
      logprobs: true,
      top_logprobs: 2,
      response_format: { type: "json_object" },
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }],
      tool_choice: "none",
    };
    expect((await chat(customer.key, request)).status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toEqual({ ...request, model: "gpt-4o-mini" });
  });

  it("returns tool calls from the upstream", async () => {
    const res = await chat(customer.key, {
      model: "mistral/mistral-small-latest",
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
    });
    const body = (await res.json()) as Completion;
    expect(body.choices[0]!.finish_reason).toBe("tool_calls");
    expect(body.choices[0]!.message.tool_calls).toMatchObject([{ type: "function", function: { name: "get_weather" } }]);
  });
});
