/**
 * Message parts are validated as strictly as the top level: exactly the fields
 * the public format defines, and no reference that only means something inside
 * the operator's provider account (uploaded files, Files API URIs, containers).
 * Every refusal is checked to never reach the (fake) upstream.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import type { ProviderId } from "../src/providers/types";
import { messages } from "./helpers/messages";
import { chat, errorOf, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const modelOf = (provider: ProviderId) => CATALOGUE.find((m) => m.provider === provider)!.id;
const PDF = "data:application/pdf;base64,JVBERi0xLjQK";

/** Sends a chat request carrying `marker`; asserts the 400 and that nothing went upstream. */
async function refusedChat(marker: string, body: Record<string, unknown>) {
  const res = await chat(customer.key, body);
  expect(res.status, await res.clone().text()).toBe(400);
  expect(await upstreamRequests(marker)).toHaveLength(0);
  return errorOf(res);
}

async function refusedMessages(marker: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await messages(customer.key, body, headers);
  expect(res.status, await res.clone().text()).toBe(400);
  expect(await upstreamRequests(marker)).toHaveLength(0);
  const error = ((await res.json()) as { type: string; error: { type: string; message: string } });
  expect(error.type).toBe("error");
  expect(error.error.type).toBe("invalid_request_error");
  return error.error.message;
}

describe("/v1/chat/completions: provider-scoped references are refused", () => {
  it.each(["openai", "google"] as const)("refuses a file part with file_id (%s)", async (provider) => {
    const marker = tag();
    const error = await refusedChat(marker, {
      model: modelOf(provider),
      messages: [{ role: "user", content: [{ type: "text", text: marker }, { type: "file", file: { file_id: "file-operator123" } }] }],
    });
    expect(error).toMatchObject({ code: "unsupported_file_reference", param: "messages[0].content[1].file.file_id" });
    expect(error.message).toMatch(/file_data/);
  });

  it.each([
    "https://generativelanguage.googleapis.com/v1beta/files/abc123",
    "https://GenerativeLanguage.googleapis.com./v1beta/files/abc123",
    "https://storage.googleapis.com/operator-bucket/secret.pdf",
    "https://storage.cloud.google.com/operator-bucket/secret.pdf",
    "gs://operator-bucket/secret.pdf",
  ])("refuses a Files API or Cloud Storage URL for Gemini: %s", async (url) => {
    const marker = tag();
    const error = await refusedChat(marker, {
      model: modelOf("google"),
      messages: [{ role: "user", content: [{ type: "text", text: marker }, { type: "image_url", image_url: { url } }] }],
    });
    expect(error).toMatchObject({ code: "unsupported_file_reference", param: "messages[0].content[1]" });
  });

  it("still sends a public https image URL to Gemini as fileData", async () => {
    const marker = tag();
    const url = "https://example.com/cat.png";
    const res = await chat(customer.key, {
      model: modelOf("google"),
      messages: [{ role: "user", content: [{ type: "text", text: marker }, { type: "image_url", image_url: { url, detail: "high" } }] }],
    });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(JSON.stringify(seen!.body)).toContain(`"fileUri":"${url}"`);
  });

  it.each([
    [{ type: "text", text: "hi", cache: true }, "messages[0].content[0].cache"],
    [{ type: "image_url", image_url: { url: "https://example.com/a.png", fetch_as: "operator" } }, "messages[0].content[0].image_url.fetch_as"],
    [{ type: "file", file: { file_data: PDF, filename: "a.pdf", purpose: "x" } }, "messages[0].content[0].file.purpose"],
    [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav", voice: "x" } }, "messages[0].content[0].input_audio.voice"],
  ])("refuses an unknown field inside a user part, naming it", async (part, param) => {
    const marker = tag();
    const error = await refusedChat(marker, { model: modelOf("openai"), messages: [{ role: "user", content: [part] }, { role: "user", content: marker }] });
    expect(error).toMatchObject({ code: "unknown_parameter", param, message: `Unrecognized request argument supplied: ${param}` });
  });

  it("refuses unknown fields in an assistant turn's parts and tool calls", async () => {
    const marker = tag();
    const call = { id: "call_1", type: "function", function: { name: "f", arguments: "{}", strict: true } };
    const error = await refusedChat(marker, {
      model: modelOf("openai"),
      messages: [{ role: "user", content: marker }, { role: "assistant", tool_calls: [call] }, { role: "tool", tool_call_id: "call_1", content: "ok" }],
    });
    expect(error).toMatchObject({ code: "unknown_parameter", param: "messages[1].tool_calls[0].function.strict" });
  });

  it("accepts, and passes to OpenAI unchanged, every message field OpenAI accepts", async () => {
    const marker = tag();
    const history = [
      { role: "developer", content: [{ type: "text", text: "Be brief." }], name: "ops" },
      {
        role: "user",
        name: "ada",
        content: [
          { type: "text", text: marker, prompt_cache_breakpoint: { mode: "explicit", ttl: "30m" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          { type: "file", file: { file_data: PDF, filename: "a.pdf" } },
          { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        ],
      },
      {
        role: "assistant",
        name: "helper",
        content: [{ type: "text", text: "Partly." }, { type: "refusal", refusal: "Not that part." }],
        refusal: "Not that part.",
        audio: { id: "audio_abc" },
        // `index` as clients that assemble stream deltas send it back.
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
      },
      { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "sunny" }] },
    ];
    const res = await chat(customer.key, { model: modelOf("openai"), messages: history });
    expect(res.status, await res.clone().text()).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.messages).toEqual(history);
  });

  it("does not send OpenAI's prompt-cache breakpoints to Mistral, whose API rejects unknown fields", async () => {
    const marker = tag();
    const res = await chat(customer.key, {
      model: modelOf("mistral"),
      messages: [{ role: "user", content: [{ type: "text", text: marker, prompt_cache_breakpoint: { mode: "explicit" } }] }],
    });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.messages).toEqual([{ role: "user", content: [{ type: "text", text: marker }] }]);
  });

  it("accepts an OpenAI answer sent back as received, annotations included (not sent upstream)", async () => {
    const marker = tag();
    const answer = {
      role: "assistant",
      content: "See the source.",
      refusal: null,
      annotations: [{ type: "url_citation", url_citation: { start_index: 0, end_index: 3, title: "Source", url: "https://example.com" } }],
    };
    const res = await chat(customer.key, { model: modelOf("openai"), messages: [{ role: "user", content: marker }, answer, { role: "user", content: "More?" }] });
    expect(res.status, await res.clone().text()).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect((seen!.body.messages as unknown[])[1]).toEqual({ role: "assistant", content: "See the source.", refusal: null });
  });
});

describe("/v1/messages: blocks are strict and file references refused", () => {
  const claude = modelOf("anthropic");
  const userTurn = (marker: string, ...blocks: unknown[]) => ({ role: "user", content: [{ type: "text", text: marker }, ...blocks] });

  it.each([
    ["a document", { type: "document", source: { type: "file", file_id: "file_011operator" } }, /Documents/],
    ["an image", { type: "image", source: { type: "file", file_id: "file_011operator" } }, /Images/],
    ["a container upload", { type: "container_upload", file_id: "file_011operator" }, /container_upload/],
    [
      "a document inside a tool result",
      { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "document", source: { type: "file", file_id: "file_011operator" } }] },
      /Documents/,
    ],
  ])("refuses %s that names an uploaded file", async (_what, block, message) => {
    const marker = tag();
    const text = await refusedMessages(marker, { model: claude, max_tokens: 50, messages: [userTurn(marker, block)] });
    expect(text).toMatch(message);
    expect(text).toMatch(/inline/);
  });

  it("refuses an unknown field inside a block, naming it", async () => {
    const marker = tag();
    const text = await refusedMessages(marker, {
      model: claude,
      max_tokens: 50,
      messages: [userTurn(marker, { type: "image", source: { type: "url", url: "https://example.com/a.png", file_id: "file_1" } })],
    });
    expect(text).toBe("Unrecognized request argument supplied: messages[0].content[1].source.file_id");
  });

  it.each([
    [{ type: "web_search_20250305", name: "web_search" }],
    [{ name: "lookup", input_schema: { type: "object" }, defer_loading: true }],
  ])("refuses server tools and tool fields that reach operator resources", async (tool) => {
    const marker = tag();
    await refusedMessages(marker, { model: claude, max_tokens: 50, tools: [tool], messages: [userTurn(marker)] });
  });

  it("accepts what Anthropic documents for supported blocks, as a response hands them back", async () => {
    const marker = tag();
    const request = {
      model: claude,
      max_tokens: 50,
      messages: [
        userTurn(
          marker,
          { type: "document", source: { type: "text", media_type: "text/plain", data: "The sky is blue." }, title: "Sky", context: "notes", citations: { enabled: true } },
          { type: "search_result", source: "https://example.com", title: "Result", content: [{ type: "text", text: "Grass is green." }] },
        ),
        {
          role: "assistant",
          content: [
            {
              type: "text",
              text: "Blue.",
              citations: [{ type: "char_location", cited_text: "blue", document_index: 0, document_title: "Sky", start_char_index: 11, end_char_index: 15, file_id: null }],
            },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" }, caller: { type: "direct" } },
          ],
        },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "sunny" }], is_error: false }] },
      ],
      tools: [{ type: "custom", name: "get_weather", input_schema: { type: "object" }, strict: true, cache_control: { type: "ephemeral", ttl: "5m" } }],
    };
    const res = await messages(customer.key, request);
    expect(res.status, await res.clone().text()).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.messages).toEqual(request.messages);
  });
});

describe("/v1/messages: anthropic-beta allow-list", () => {
  const claude = modelOf("anthropic");

  it.each(["files-api-2025-04-14", "mcp-client-2025-11-20", "context-1m-2025-08-07", "extended-cache-ttl-2025-04-11"])(
    "refuses %s, listing the accepted betas",
    async (beta) => {
      const marker = tag();
      const text = await refusedMessages(marker, { model: claude, max_tokens: 50, messages: [{ role: "user", content: marker }] }, {
        "anthropic-beta": `interleaved-thinking-2025-05-14,${beta}`,
      });
      expect(text).toContain(`'${beta}'`);
      expect(text).toContain("interleaved-thinking-2025-05-14");
    },
  );

  it("passes accepted betas on to Anthropic", async () => {
    const marker = tag();
    const res = await messages(customer.key, { model: claude, max_tokens: 50, messages: [{ role: "user", content: marker }] }, {
      "anthropic-beta": "interleaved-thinking-2025-05-14, fine-grained-tool-streaming-2025-05-14",
    });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.headers["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14");
  });
});

describe("/v1/messages on other providers' models: no block is dropped in translation", () => {
  const turns = (marker: string, result: unknown[]) => [
    { role: "user", content: [{ type: "text", text: marker }] },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "look", input: {} }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: result }] },
  ];
  const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } };
  const searchResult = { type: "search_result", source: "https://example.com", title: "Result", content: [{ type: "text", text: "Grass is green." }] };
  const pdf = { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0xLjQK" } };

  it.each([
    ["google", "image", image],
    ["openai", "search_result", searchResult],
    ["openai", "document", pdf],
  ] as const)("refuses a tool result's %s-model '%s' block, naming it, rather than sending only the text", async (provider, type, block) => {
    const marker = tag();
    const text = await refusedMessages(marker, { model: modelOf(provider), max_tokens: 50, messages: turns(marker, [{ type: "text", text: "see:" }, block]) });
    expect(text).toContain(`'${type}'`);
    expect(text).toContain("messages[2].content[0].content[1]");
    expect(text).toMatch(/only text/);
  });

  it("refuses a block an assistant turn cannot carry, rather than dropping it", async () => {
    const marker = tag();
    const text = await refusedMessages(marker, {
      model: modelOf("openai"),
      max_tokens: 50,
      messages: [{ role: "user", content: [{ type: "text", text: marker }] }, { role: "assistant", content: [{ type: "text", text: "Here:" }, image] }, { role: "user", content: "and?" }],
    });
    expect(text).toContain("messages[1].content[1]");
  });

  it("still sends a tool result made of text blocks, whole", async () => {
    const marker = tag();
    const res = await messages(customer.key, { model: modelOf("openai"), max_tokens: 50, messages: turns(marker, [{ type: "text", text: "18C" }, { type: "text", text: "sunny" }]) });
    expect(res.status, await res.clone().text()).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body.messages).toContainEqual({ role: "tool", tool_call_id: "toolu_1", content: "18C\nsunny" });
  });
});
