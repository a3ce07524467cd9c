import { beforeAll, describe, expect, it } from "vitest";
import { chat, errorOf, newCustomer, sseData, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const model = "anthropic/claude-haiku-4-5";
const weatherTool = { type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

interface Completion {
  choices: { message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; reasoning_content?: string; thinking_blocks?: { signature: string }[] }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number }; completion_tokens_details: { reasoning_tokens: number } };
}

describe("/v1/chat/completions on anthropic/* models", () => {
  it("translates the request to Anthropic's Messages API (2023-06-01, x-api-key) and the answer back", async () => {
    const marker = tag();
    const res = await chat(customer.key, {
      model,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: marker }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } }] },
      ],
      max_tokens: 100,
      temperature: 0.5,
      stop: "END",
      user: "end-user-7",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Completion;
    expect(body.choices[0]!.message.content).toBe("Hello from the fake upstream.");
    expect(body.choices[0]!.finish_reason).toBe("stop");
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe("/anthropic/v1/messages");
    expect(seen!.headers["x-api-key"]).toBe("router-anthropic-credential");
    expect(seen!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(seen!.headers.authorization).toBeUndefined();
    expect(seen!.body).toEqual({
      model: "claude-haiku-4-5",
      system: "Be brief.",
      messages: [{ role: "user", content: [{ type: "text", text: marker }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] }],
      max_tokens: 100,
      temperature: 0.5,
      stop_sequences: ["END"],
      metadata: { user_id: "end-user-7" },
    });
  });

  it("round-trips a tool call: tool_use → tool_calls, tool result → tool_result", async () => {
    const first = await chat(customer.key, { model, messages: [{ role: "user", content: "weather?" }], tools: [weatherTool], tool_choice: "required" });
    const completion = (await first.json()) as Completion;
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
    const marker = tag();
    const second = await chat(customer.key, {
      model,
      tools: [weatherTool],
      messages: [
        { role: "user", content: marker },
        { role: "assistant", content: null, tool_calls: [{ id: call.id, type: "function", function: call.function }] },
        { role: "tool", tool_call_id: call.id, content: "18C and sunny" },
      ],
    });
    expect(((await second.json()) as Completion).choices[0]!.message.content).toBe("Hello from the fake upstream.");
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: marker }] },
      { role: "assistant", content: [{ type: "tool_use", id: call.id, name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "18C and sunny" }] },
    ]);
  });

  it("maps every tool_choice form, including none", async () => {
    const cases: [unknown, unknown][] = [
      ["auto", { type: "auto" }],
      ["none", { type: "none" }],
      ["required", { type: "any" }],
      [{ type: "function", function: { name: "get_weather" } }, { type: "tool", name: "get_weather" }],
    ];
    for (const [choice, expected] of cases) {
      const marker = tag();
      const res = await chat(customer.key, { model, messages: [{ role: "user", content: marker }], tools: [weatherTool], tool_choice: choice });
      expect(res.status).toBe(200);
      expect((await upstreamRequests(marker))[0]!.body.tool_choice).toEqual(expected);
    }
  });

  it("streams parallel tool calls with arguments as deltas", async () => {
    const res = await chat(customer.key, { model, stream: true, messages: [{ role: "user", content: 'fake:{"parallelTools":2}' }], tools: [weatherTool] });
    const chunks = (await sseData(res)).filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as { choices: { delta: { tool_calls?: { index: number; id?: string; function: { name?: string; arguments?: string } }[] }; finish_reason: string | null }[] });
    const args: Record<number, string> = {};
    const ids: Record<number, string> = {};
    for (const c of chunks) for (const call of c.choices[0]?.delta.tool_calls ?? []) {
      args[call.index] = (args[call.index] ?? "") + (call.function.arguments ?? "");
      if (call.id) ids[call.index] = call.id;
    }
    expect(Object.keys(ids)).toHaveLength(2);
    expect(JSON.parse(args[0]!)).toEqual({ city: "Paris" });
    expect(JSON.parse(args[1]!)).toEqual({ city: "Berlin" });
    expect(chunks.filter((c) => c.choices[0]?.delta.tool_calls).length).toBeGreaterThan(2);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("streams text with usage (incl. cached tokens) only when asked", async () => {
    const data = await sseData(await chat(customer.key, { model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: 'fake:{"cached":2} hello there friend' }] }));
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: Completion["usage"] });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Hello from the fake upstream.");
    const usage = chunks.at(-1)!.usage!;
    expect(usage.prompt_tokens_details.cached_tokens).toBe(2);
    expect(usage.prompt_tokens).toBeGreaterThan(2);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    const plain = await sseData(await chat(customer.key, { model, stream: true, messages: [{ role: "user", content: "hi" }] }));
    expect(plain.some((d) => d.includes('"usage"'))).toBe(false);
  });

  it("maps reasoning_effort to a thinking budget, surfaces reasoning and keeps signatures across turns", async () => {
    const marker = tag();
    const res = await chat(customer.key, { model, reasoning_effort: "low", max_tokens: 500, messages: [{ role: "user", content: marker }], tools: [weatherTool] });
    const body = (await res.json()) as Completion;
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(seen!.body.max_tokens).toBe(1524);
    const message = body.choices[0]!.message;
    expect(message.reasoning_content).toBe("Let me think about this.");
    const signature = message.thinking_blocks![0]!.signature;
    expect(signature).toMatch(/^sig-/);
    const next = tag();
    await chat(customer.key, {
      model,
      reasoning_effort: "low",
      tools: [weatherTool],
      messages: [
        { role: "user", content: next },
        { role: "assistant", content: null, tool_calls: message.tool_calls, thinking_blocks: message.thinking_blocks },
        { role: "tool", tool_call_id: message.tool_calls![0]!.id, content: "sunny" },
      ],
    });
    const assistant = ((await upstreamRequests(next))[0]!.body.messages as { content: { type: string; signature?: string }[] }[])[1]!;
    expect(assistant.content[0]).toEqual({ type: "thinking", thinking: "Let me think about this.", signature });
  });

  it("reports Claude's thinking tokens as reasoning_tokens, inside completion_tokens, streamed or not", async () => {
    const body = (await (await chat(customer.key, { model, reasoning_effort: "low", messages: [{ role: "user", content: "think" }] })).json()) as Completion;
    const reasoning = body.usage.completion_tokens_details.reasoning_tokens;
    expect(reasoning).toBeGreaterThan(0);
    expect(reasoning).toBeLessThan(body.usage.completion_tokens);
    const data = await sseData(await chat(customer.key, { model, reasoning_effort: "low", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "think" }] }));
    const usage = data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as Partial<Completion>).find((c) => c.usage)!.usage!;
    expect(usage.completion_tokens_details.reasoning_tokens).toBe(reasoning);
    expect(usage.completion_tokens).toBe(body.usage.completion_tokens);
  });

  it("asks for structured output with output_config.format, without the deprecated output_format beta", async () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const cases = [
      [{ type: "json_schema", json_schema: { name: "a", schema } }, schema],
      [{ type: "json_object" }, { type: "object" }],
    ] as const;
    for (const [responseFormat, expected] of cases) {
      const marker = tag();
      const res = await chat(customer.key, { model, messages: [{ role: "user", content: marker }], response_format: responseFormat });
      expect(res.status).toBe(200);
      const [seen] = await upstreamRequests(marker);
      expect(seen!.body.output_config).toEqual({ format: { type: "json_schema", schema: expected } });
      expect(seen!.body.output_format).toBeUndefined();
      expect(seen!.headers["anthropic-beta"]).toBeUndefined();
    }
  });

  it("Claude 5 models: reasoning_effort → adaptive thinking with output_config.effort; sampling parameters → 400", async () => {
    const claude5 = "anthropic/claude-sonnet-5-5";
    const marker = tag();
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const res = await chat(customer.key, { model: claude5, reasoning_effort: "high", max_tokens: 300, response_format: { type: "json_schema", json_schema: { name: "a", schema } }, messages: [{ role: "user", content: marker }] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Completion).usage.completion_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toMatchObject({ model: "claude-sonnet-5-5", thinking: { type: "adaptive" }, max_tokens: 300, output_config: { effort: "high", format: { type: "json_schema", schema } } });
    for (const param of ["temperature", "top_p"]) {
      const bad = await chat(customer.key, { model: claude5, [param]: 0.5, messages: [{ role: "user", content: "x" }] });
      expect(bad.status).toBe(400);
      expect(await errorOf(bad)).toMatchObject({ param, code: "unsupported_parameter" });
    }
  });

  it("answers 400 for what Anthropic cannot honour", async () => {
    for (const [extra, param] of [[{ seed: 1 }, "seed"], [{ n: 2 }, "n"], [{ temperature: 1.5 }, "temperature"], [{ logprobs: true }, "logprobs"]] as const) {
      const res = await chat(customer.key, { model, messages: [{ role: "user", content: "x" }], ...extra });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toBe(param);
    }
  });

  it("maps Anthropic errors: overloaded 529 → 503, 429 → 429, 400 message passed on", async () => {
    const overloaded = await chat(customer.key, { model, messages: [{ role: "user", content: 'fake:{"status":529}' }] });
    expect(overloaded.status).toBe(503);
    const limited = await chat(customer.key, { model, messages: [{ role: "user", content: 'fake:{"status":429,"retryAfter":4}' }] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("4");
    const bad = await chat(customer.key, { model, messages: [{ role: "user", content: 'fake:{"status":400}' }] });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message).toBe("Fake upstream error 400.");
  });

  it("turns a mid-stream Anthropic error event into an OpenAI error event", async () => {
    const data = await sseData(await chat(customer.key, { model, stream: true, messages: [{ role: "user", content: 'fake:{"streamError":"mid"}' }] }));
    expect(JSON.parse(data.at(-1)!).error.code).toBe("upstream_unavailable");
    expect(data).not.toContain("[DONE]");
  });
});
