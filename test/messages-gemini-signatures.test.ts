/**
 * Gemini 3 thought signatures survive a tool round trip through /v1/messages:
 * the client echoes the assistant content it received (as Anthropic's SDKs and
 * docs do: `messages.push({ role: "assistant", content: response.content })`),
 * and the fake Gemini upstream, like Google's API, answers 400 when a
 * current-turn function call comes back without its signature.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { anthropicEvents, messages } from "./helpers/messages";
import { chat, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const model = "google/gemini-3.8-flash";
const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
/** base64("fake-thought-signature"), what the fake Gemini upstream signs with. */
const SIGNATURE = "ZmFrZS10aG91Z2h0LXNpZ25hdHVyZQ==";

type Block = Record<string, unknown> & { type: string };

/** Rebuilds the message content from stream events, as the Anthropic SDK's stream helper does. */
function contentOf(events: Awaited<ReturnType<typeof anthropicEvents>>): Block[] {
  const blocks: Block[] = [];
  const json: string[] = [];
  for (const { event, data } of events) {
    const index = data.index as number;
    if (event === "content_block_start") blocks[index] = { ...(data.content_block as Block) };
    if (event === "content_block_delta") {
      const delta = data.delta as Record<string, string>;
      const block = blocks[index]!;
      if (delta.type === "text_delta") block.text = `${String(block.text)}${delta.text}`;
      if (delta.type === "thinking_delta") block.thinking = `${String(block.thinking)}${delta.thinking}`;
      if (delta.type === "signature_delta") block.signature = delta.signature;
      if (delta.type === "input_json_delta") json[index] = (json[index] ?? "") + delta.partial_json;
    }
    if (event === "content_block_stop" && json[index] !== undefined) blocks[index]!.input = JSON.parse(json[index]!);
  }
  return blocks;
}

async function firstTurn(stream: boolean): Promise<Block[]> {
  const res = await messages(customer.key, { model, max_tokens: 256, stream, tools, messages: [{ role: "user", content: "weather in Paris?" }] });
  expect(res.status).toBe(200);
  return stream ? contentOf(await anthropicEvents(res)) : ((await res.json()) as { content: Block[] }).content;
}

function secondTurn(marker: string, assistant: Block[]) {
  const use = assistant.find((b) => b.type === "tool_use")!;
  return messages(customer.key, {
    model,
    max_tokens: 256,
    tools,
    messages: [
      { role: "user", content: `${marker} weather in Paris?` },
      { role: "assistant", content: assistant },
      { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }] },
    ],
  });
}

describe("/v1/messages on Gemini 3: thought signatures round-trip", () => {
  for (const stream of [false, true]) {
    it(`${stream ? "streamed" : "non-streamed"}: the echoed assistant content carries the signature back to Gemini`, async () => {
      const content = await firstTurn(stream);
      // The signature rides in a thinking block right before its tool_use.
      const useAt = content.findIndex((b) => b.type === "tool_use");
      expect(content[useAt - 1]).toMatchObject({ type: "thinking", thinking: "" });
      expect(content[useAt]).toMatchObject({ name: "get_weather", input: { city: "Paris" } });

      const marker = tag();
      const res = await secondTurn(marker, content);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { content: Block[] }).content).toEqual([{ type: "text", text: "Hello from the fake upstream." }]);
      const sent = (await upstreamRequests(marker))[0]!.body as { contents: { role: string; parts: Record<string, unknown>[] }[] };
      expect(sent.contents[1]).toEqual({ role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: SIGNATURE }] });
    });
  }

  it("without the signature block, Gemini 3 refuses the turn (so the round trip above is what makes it pass)", async () => {
    const content = (await firstTurn(false)).filter((b) => b.type !== "thinking");
    const res = await secondTurn(tag(), content);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("thought_signature");
  });

  it("on /v1/chat/completions, a Gemini 3 tool call sent back without extra_content is refused the same way", async () => {
    const first = (await (await chat(customer.key, { model, messages: [{ role: "user", content: "weather?" }], tools: [{ type: "function", function: { name: "get_weather", parameters: tools[0]!.input_schema } }] })).json()) as {
      choices: { message: { tool_calls: { id: string; function: { name: string; arguments: string }; extra_content?: unknown }[] } }[];
    };
    const call = first.choices[0]!.message.tool_calls[0]!;
    expect(call.extra_content).toEqual({ google: { thought_signature: SIGNATURE } });
    const { extra_content: _dropped, ...bare } = call;
    const res = await chat(customer.key, {
      model,
      tools: [{ type: "function", function: { name: "get_weather", parameters: tools[0]!.input_schema } }],
      messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: null, tool_calls: [bare] }, { role: "tool", tool_call_id: call.id, content: "sunny" }],
    });
    expect(res.status).toBe(400);
  });
});
