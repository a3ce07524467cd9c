/**
 * What the response cache stores and how a hit is delivered: a non-stream
 * answer replayed as a stream and a stream's answer served as JSON, in the
 * OpenAI and the Anthropic format (for a model on an OpenAI-wire route and for
 * an Anthropic model passed through); and what is never stored: an aborted
 * stream, a stream that failed upstream, a filtered answer.
 */
import { describe, expect, it } from "vitest";
import { callWithLog, chatInit } from "./helpers/log-capture";
import { dataOf, eventNames, send, TTL } from "./helpers/cache";
import { newCustomer, releaseHold, tag, upstreamRequests } from "./helpers/router";

const mistral = "mistral/mistral-small-latest";
const claude = "anthropic/claude-haiku-4-5";
const chatPath = "/v1/chat/completions";

interface Chunk {
  object: string;
  choices: { index: number; delta: Record<string, unknown>; finish_reason: string | null }[];
  usage?: Record<string, unknown> | null;
}
interface Completion {
  object: string;
  choices: { message: { role: string; content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number };
}
type Block = { type: string; text?: string; thinking?: string; signature?: string; input?: unknown };
interface Message {
  type: string;
  content: Block[];
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number };
}

const weatherTool = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };

/** The text an OpenAI stream delivers, its finish reason and its chunks. */
function openAIStream(text: string) {
  const data = dataOf(text);
  expect(data.at(-1)).toBe("[DONE]");
  const chunks = data.slice(0, -1) as Chunk[];
  const content = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
  const finish = chunks.map((c) => c.choices[0]?.finish_reason).find((f) => f);
  return { chunks, content, finish };
}

describe("OpenAI format", () => {
  it("replays a non-stream answer as a stream: role chunk, content, finish chunk, usage chunk when asked, [DONE]", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, messages: [{ role: "user", content: `${marker} hi` }] };
    const miss = await send(chatPath, c.key, body, TTL);
    const answer = JSON.parse(miss.text) as Completion;

    const hit = await send(chatPath, c.key, { ...body, stream: true, stream_options: { include_usage: true } }, TTL);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect(hit.res.headers.get("content-type")).toContain("text/event-stream");
    expect(hit.res.headers.get("content-encoding")).toBe("identity");
    const { chunks, content, finish } = openAIStream(hit.text);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: "assistant" });
    expect(content).toBe(answer.choices[0]!.message.content);
    expect(finish).toBe("stop");
    // Every chunk but the last says usage: null; the last has no choices and the usage.
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: answer.usage });

    const plain = await send(chatPath, c.key, { ...body, stream: true }, TTL);
    expect(plain.res.headers.get("x-emby-cache")).toBe("hit");
    expect(openAIStream(plain.text).chunks.every((c) => !("usage" in c))).toBe(true);
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("serves a stream's answer as JSON: content assembled from its chunks, finish reason and usage", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, messages: [{ role: "user", content: `${marker} fake:{"chunks":5,"reply":"one two three four five"}` }] };
    const miss = await send(chatPath, c.key, { ...body, stream: true }, TTL);
    expect(miss.res.headers.get("x-emby-cache")).toBe("miss");
    expect(openAIStream(miss.text).content).toBe("one two three four five");

    const hit = await send(chatPath, c.key, body, TTL);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    const answer = JSON.parse(hit.text) as Completion;
    expect(answer).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: "one two three four five" }, finish_reason: "stop" }] });
    // The client's stream carried no usage; the stored answer has the call's own.
    expect(answer.usage).toMatchObject({ prompt_tokens: miss.event.prompt_tokens, completion_tokens: miss.event.completion_tokens });
  });

  it("relays a miss's stream chunk by chunk while collecting it", async () => {
    // The fake sends content chunk n only once the client has received chunk
    // n-1: a router that buffered the stream to collect it would stall here.
    const c = await newCustomer();
    const marker = tag();
    const gate = `gate-${marker}`;
    const pieces = ["aaaa", "bbbb", "cccc", "dddd"];
    const body = { model: mistral, stream: true, messages: [{ role: "user", content: `${marker} fake:{"chunks":4,"gate":"${gate}","reply":"${pieces.join("")}"}` }] };
    const made = await callWithLog(chatPath, { ...chatInit(c.key, body), headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json", ...TTL } });
    const reader = made.response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let released = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      while (released < pieces.length - 1 && text.includes(pieces[released]!)) await releaseHold(`${gate}-${++released}`);
    }
    expect(openAIStream(text).content).toBe(pieces.join(""));
    await made.settled();
    const hit = await send(chatPath, c.key, body, TTL);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect(openAIStream(hit.text).content).toBe(pieces.join(""));
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("keeps tool calls: assembled by index from a stream, replayed as a stream", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, tools: [weatherTool], messages: [{ role: "user", content: `${marker} weather?` }] };
    await send(chatPath, c.key, { ...body, stream: true }, TTL);
    const json = JSON.parse((await send(chatPath, c.key, body, TTL)).text) as Completion;
    expect(json.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { content: null, tool_calls: [{ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] } });
    const stream = openAIStream((await send(chatPath, c.key, { ...body, stream: true }, TTL)).text);
    const calls = stream.chunks.flatMap((c) => (c.choices[0]?.delta.tool_calls as { index: number; id: string; function: { arguments: string } }[] | undefined) ?? []);
    expect(calls).toEqual([{ index: 0, ...json.choices[0]!.message.tool_calls![0]! }]);
    expect(stream.finish).toBe("tool_calls");
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });
});

describe("Anthropic format (/v1/messages)", () => {
  const anthropicEvents = (text: string) => dataOf(text) as ({ type: string } & Record<string, unknown>)[];

  it("a model on an OpenAI-wire route: a JSON answer replayed as Anthropic's event sequence", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, max_tokens: 100, messages: [{ role: "user", content: `${marker} hi` }] };
    const miss = await send("/v1/messages", c.key, body, TTL);
    const message = JSON.parse(miss.text) as Message;
    const hit = await send("/v1/messages", c.key, { ...body, stream: true }, TTL);
    expect(hit.res.headers.get("x-emby-cache")).toBe("hit");
    expect(eventNames(hit.text)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    const events = anthropicEvents(hit.text);
    expect(events[2]).toMatchObject({ delta: { type: "text_delta", text: message.content[0]!.text } });
    expect(events[4]).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { output_tokens: message.usage.output_tokens } });
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("an Anthropic model: a stream with thinking and a tool call, stored whole and replayed with its signature and input", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = {
      model: claude, max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 },
      tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
      messages: [{ role: "user", content: `${marker} weather in Paris?` }],
    };
    const miss = await send("/v1/messages", c.key, { ...body, stream: true }, TTL);
    expect(miss.res.headers.get("x-emby-cache")).toBe("miss");
    const signature = (anthropicEvents(miss.text).find((e) => (e.delta as { type?: string } | undefined)?.type === "signature_delta")!.delta as { signature: string }).signature;

    const json = await send("/v1/messages", c.key, body, TTL);
    expect(json.res.headers.get("x-emby-cache")).toBe("hit");
    const message = JSON.parse(json.text) as Message;
    expect(message).toMatchObject({ type: "message", stop_reason: "tool_use" });
    expect(message.content).toEqual([
      { type: "thinking", thinking: "Let me think about this.", signature },
      expect.objectContaining({ type: "tool_use", name: "get_weather", input: { city: "Paris" } }),
    ]);

    const stream = await send("/v1/messages", c.key, { ...body, stream: true }, TTL);
    const deltas = anthropicEvents(stream.text).filter((e) => e.type === "content_block_delta").map((e) => e.delta);
    expect(deltas).toEqual([
      { type: "thinking_delta", thinking: "Let me think about this." },
      { type: "signature_delta", signature },
      { type: "input_json_delta", partial_json: '{"city":"Paris"}' },
    ]);
    expect(anthropicEvents(stream.text).find((e) => e.type === "message_delta")).toMatchObject({ delta: { stop_reason: "tool_use" } });
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });
});

describe("what is never stored", () => {
  it("a stream the client abandoned", async () => {
    const c = await newCustomer();
    const marker = tag();
    const hold = `hold-${marker}`;
    // Only the first request is held after its first chunk; the same body then streams normally.
    const body = { model: mistral, stream: true, messages: [{ role: "user", content: `${marker} fake:{"hold":"${hold}","times":1,"key":"${marker}"}` }] };
    const controller = new AbortController();
    const made = await callWithLog(chatPath, { ...chatInit(c.key, body, { signal: controller.signal }), headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json", ...TTL } });
    expect(made.response.headers.get("x-emby-cache")).toBe("miss");
    const reader = made.response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel().catch(() => {});
    await releaseHold(hold);
    const [event] = await made.settled();
    expect(event).toMatchObject({ cache: "miss", client_aborted: true });

    const again = await send(chatPath, c.key, body, TTL);
    expect(again.res.headers.get("x-emby-cache")).toBe("miss");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("a stream that failed upstream after it had started", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: mistral, stream: true, messages: [{ role: "user", content: `${marker} fake:{"streamError":"mid","times":1,"key":"${marker}"}` }] };
    const failed = await send(chatPath, c.key, body, TTL);
    expect(failed.event).toMatchObject({ cache: "miss", error_code: "upstream_stream_error" });
    expect((await send(chatPath, c.key, body, TTL)).res.headers.get("x-emby-cache")).toBe("miss");
    expect((await send(chatPath, c.key, body, TTL)).res.headers.get("x-emby-cache")).toBe("hit");
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("an upstream error", async () => {
    const c = await newCustomer();
    const marker = tag();
    const body = { model: claude, max_tokens: 50, messages: [{ role: "user", content: `${marker} fake:{"status":400}` }] };
    const failed = await send("/v1/messages", c.key, body, TTL);
    expect(failed.res.status).toBe(400);
    expect(failed.res.headers.get("x-emby-cache")).toBe("miss");
    expect(failed.event.cache).toBe("miss");
    expect((await send("/v1/messages", c.key, body, TTL)).res.status).toBe(400);
    expect(await upstreamRequests(marker)).toHaveLength(2);
  });

  it("a filtered answer (finish reason content_filter), streamed or not", async () => {
    const c = await newCustomer();
    for (const stream of [false, true]) {
      const marker = tag();
      const body = { model: "google/gemini-3.5-flash-lite", stream, messages: [{ role: "user", content: `${marker} fake:{"safety":true}` }] };
      const first = await send(chatPath, c.key, body, TTL);
      expect(first.res.status).toBe(200);
      expect(first.text).toContain("content_filter");
      expect((await send(chatPath, c.key, body, TTL)).res.headers.get("x-emby-cache")).toBe("miss");
      expect(await upstreamRequests(marker)).toHaveLength(2);
    }
  });
});
