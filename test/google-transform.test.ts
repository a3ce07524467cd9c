import { describe, expect, it } from "vitest";
import { chatCompletionRequestSchema } from "../src/providers/chat-schema";
import { toGeminiRequest } from "../src/providers/google/request";
import { toChatCompletion } from "../src/providers/google/response";
import { geminiResponseSchema } from "../src/providers/google/schema";
import { ApiError } from "../src/shared/errors";
import requestMinimal from "./fixtures/google/request-minimal.json";
import requestMultiturn from "./fixtures/google/request-multiturn-tools.json";
import responseTwo from "./fixtures/google/response-max-tokens-safety.json";
import responseTools from "./fixtures/google/response-parallel-tools.json";
import responseBlocked from "./fixtures/google/response-prompt-blocked.json";
import responseText from "./fixtures/google/response-text-thoughts.json";

const counter = () => {
  let n = 0;
  return () => `call_${++n}`;
};

const build = (openai: unknown, upstreamModel = "gemini-3.8-flash") => toGeminiRequest(chatCompletionRequestSchema.parse(openai), upstreamModel);
const user = (extra: Record<string, unknown>) => ({ model: "google/gemini-3.8-flash", messages: [{ role: "user", content: "hi" }], ...extra });

describe("Gemini request (OpenAI → generateContent), golden fixtures", () => {
  for (const fixture of [requestMinimal, requestMultiturn]) {
    it(fixture.description, () => {
      expect(build(fixture.openai, fixture.upstreamModel)).toEqual(fixture.gemini);
    });
  }
});

describe("Gemini request mapping", () => {
  it("maps every tool_choice form to a functionCallingConfig mode", () => {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    expect(build(user({ tools, tool_choice: "auto" })).toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(build(user({ tools, tool_choice: "none" })).toolConfig).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(build(user({ tools, tool_choice: "required" })).toolConfig).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(build(user({ tools })).toolConfig).toBeUndefined();
    // tool_choice "none" without tools must not crash or send a dangling config.
    expect(build(user({ tool_choice: "none" }))).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });

  it("maps json_object, stop lists and every reasoning effort", () => {
    expect(build(user({ response_format: { type: "json_object" }, stop: ["a", "b"] })).generationConfig).toEqual({ responseMimeType: "application/json", stopSequences: ["a", "b"] });
    const thinking = (effort: string, model?: string) => (build(user({ reasoning_effort: effort }), model).generationConfig as { thinkingConfig: unknown }).thinkingConfig;
    // Gemini 3 and later: a thinking level, never a budget (both at once is a 400 upstream).
    for (const effort of ["minimal", "low", "medium", "high"]) expect(thinking(effort)).toEqual({ thinkingLevel: effort, includeThoughts: true });
    // Gemini 2.x (2.5 Flash-Lite is still served): a token budget.
    expect(thinking("minimal", "gemini-2.5-flash-lite")).toEqual({ thinkingBudget: 0, includeThoughts: true });
    expect(thinking("medium", "gemini-2.5-flash-lite")).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    expect(thinking("high", "gemini-2.5-flash-lite")).toEqual({ thinkingBudget: 24_576, includeThoughts: true });
  });

  it("maps audio input to inlineData and defaults unknown image extensions to image/jpeg", () => {
    const body = build({
      model: "m",
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } }, { type: "image_url", image_url: { url: "https://example.com/img" } }] }],
    });
    expect(body.contents).toEqual([{ role: "user", parts: [{ inlineData: { mimeType: "audio/wav", data: "UklGRg==" } }, { fileData: { fileUri: "https://example.com/img", mimeType: "image/jpeg" } }] }]);
  });

  const rejected = (body: unknown): ApiError => {
    try {
      build(body);
    } catch (err) {
      if (err instanceof ApiError) return err;
      throw err;
    }
    throw new Error("expected a 400");
  };

  it("answers 400 unsupported_parameter for what Gemini cannot honour", () => {
    for (const [field, value] of Object.entries({ logprobs: true, top_logprobs: 2, logit_bias: { "1": 1 }, store: true, service_tier: "flex", verbosity: "low", modalities: ["text"], metadata: { a: "b" }, web_search_options: {}, prediction: { type: "content" }, parallel_tool_calls: false })) {
      const err = rejected(user({ [field]: value }));
      expect(err, field).toMatchObject({ status: 400, code: "unsupported_parameter", param: field });
    }
  });

  it("answers 400 for a tool result whose call id no earlier turn made, and for http image URLs", () => {
    expect(rejected({ model: "m", messages: [{ role: "tool", tool_call_id: "nope", content: "x" }] })).toMatchObject({ status: 400, code: "invalid_tool_call_id" });
    expect(rejected({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://example.com/a.png" } }] }] })).toMatchObject({ status: 400, code: "unsupported_content" });
  });

  it("does not send the hints user, safety_identifier, prompt_cache_key", () => {
    expect(build(user({ user: "u", safety_identifier: "s", prompt_cache_key: "k" }))).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
  });
});

describe("Gemini response (generateContent → chat.completion), golden fixtures", () => {
  for (const fixture of [responseText, responseTools, responseBlocked, responseTwo]) {
    it(fixture.description, () => {
      const gemini = geminiResponseSchema.parse(fixture.gemini);
      const meta = { id: fixture.openai.id, created: fixture.openai.created, model: fixture.openai.model, newToolCallId: counter() };
      expect(toChatCompletion(gemini, meta)).toEqual(fixture.openai);
    });
  }
});
