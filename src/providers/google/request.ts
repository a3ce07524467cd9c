/**
 * OpenAI chat request → Gemini `generateContent` body (REST v1beta). Pure: the
 * model and URL are chosen by the caller, from the catalogue, never from here.
 * What Gemini cannot honour is a 400, never silently dropped.
 */
import { z } from "zod";
import { ApiError, errors } from "../../shared/errors";
import type { ChatCompletionRequest, ChatMessage } from "../chat-schema";
import { rejectUnsupported } from "../params";
import { assertDepth, FILE_REFERENCE_CODE, SEND_INLINE } from "../schema-guards";

export const LABEL = "Gemini";

const UNSUPPORTED: readonly (keyof ChatCompletionRequest)[] = [
  "logprobs",
  "top_logprobs",
  "logit_bias",
  "audio",
  "modalities",
  "web_search_options",
  "service_tier",
  "store",
  "metadata",
  "verbosity",
  "prediction",
  "functions",
  "function_call",
];

/** Thinking budgets in tokens, per OpenAI reasoning effort (Gemini 2.5). */
const THINKING_BUDGET = { minimal: 0, low: 1024, medium: 8192, high: 24_576 } as const;

/**
 * Gemini 3 and later take a thinking level (minimal / low / medium / high)
 * instead of a token budget, and a request with both is a 400 (Gemini API
 * "Thinking" guide). Which levels a model accepts varies by model; one it does
 * not accept comes back as Gemini's own 400.
 */
export function usesThinkingLevel(upstreamModel: string): boolean {
  const major = /^gemini-(\d+)/.exec(upstreamModel)?.[1];
  return major !== undefined && Number(major) >= 3;
}

export type GeminiRequestPart = Record<string, unknown>;
export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiRequestPart[];
}

const unsupportedContent = (message: string, param: string) => new ApiError(400, "invalid_request_error", "unsupported_content", message, param);

/** Google's OpenAI-compatibility convention for carrying a thought signature on a tool call. */
const extraContentSchema = z.object({ google: z.object({ thought_signature: z.string() }).loose() }).loose();

const MIME_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
};

/** Gemini needs a MIME type for a file URI; the extension is the only hint there is. */
function guessMime(url: string): string {
  const path = url.split(/[?#]/)[0] ?? "";
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return MIME_BY_EXTENSION[ext] ?? "image/jpeg";
}

/** `data:<mime>;base64,<data>` → inlineData; anything else is a 400. */
function inlineFromDataUrl(url: string, param: string): GeminiRequestPart {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match) throw unsupportedContent("Only base64 data URLs are supported for inline content.", param);
  return { inlineData: { mimeType: match[1], data: match[2] } };
}

/**
 * Gemini fetches public (and signed) https URLs itself, but resolves Files API
 * URIs (generativelanguage.googleapis.com/.../files/...) and Cloud Storage
 * objects (gs://) inside the calling project: the operator's. Any Google API host is refused.
 */
function isProjectScoped(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "googleapis.com" || name.endsWith(".googleapis.com") || name === "storage.cloud.google.com";
}

function imagePart(url: string, param: string): GeminiRequestPart {
  if (url.startsWith("data:")) return inlineFromDataUrl(url, param);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // refused below
  }
  if (parsed?.protocol === "gs:" || (parsed?.protocol === "https:" && isProjectScoped(parsed.hostname))) {
    throw errors.invalidRequest(`Files API and Cloud Storage URLs are not accepted: ${SEND_INLINE} (a base64 data URL) or as a public https URL.`, param, FILE_REFERENCE_CODE);
  }
  if (!parsed || parsed.protocol !== "https:") throw unsupportedContent("Image URLs must be https:// or data: URLs.", param);
  // The normalised URL is sent, so Gemini fetches exactly the host checked above.
  return { fileData: { fileUri: parsed.href, mimeType: guessMime(parsed.href) } };
}

type UserMessage = Extract<ChatMessage, { role: "user" }>;

function userParts(content: UserMessage["content"], index: number): GeminiRequestPart[] {
  if (typeof content === "string") return [{ text: content }];
  return content.map((part, j): GeminiRequestPart => {
    const param = `messages[${index}].content[${j}]`;
    switch (part.type) {
      case "text":
        return { text: part.text };
      case "image_url":
        return imagePart(part.image_url.url, param);
      case "input_audio":
        return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
      case "file": {
        const data = part.file.file_data;
        if (typeof data !== "string") throw unsupportedContent(`File ids are not supported by ${LABEL} models; send file_data.`, param);
        return inlineFromDataUrl(data, param);
      }
    }
  });
}

function textOf(content: string | readonly { type: string; text?: string; refusal?: string }[] | null | undefined): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((p) => p.text ?? p.refusal ?? "").join("");
}

type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

/**
 * Reasoning text of earlier turns is not sent back: Gemini does not accept thought
 * text as input. What it needs for multi-turn tool use is the signature on each
 * functionCall part, which clients carry in extra_content.google.
 */
function modelParts(message: AssistantMessage): GeminiRequestPart[] {
  const parts: GeminiRequestPart[] = [];
  const text = textOf(message.content);
  if (text) parts.push({ text });
  message.tool_calls?.forEach((call, j) => {
    const args = parseArguments(call.function.arguments, j);
    const signature = extraContentSchema.safeParse(call.extra_content);
    parts.push({
      functionCall: { name: call.function.name, args },
      ...(signature.success ? { thoughtSignature: signature.data.google.thought_signature } : {}),
    });
  });
  return parts;
}

function parseArguments(text: string, j: number): Record<string, unknown> {
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      assertDepth(value, `tool_calls[${j}].function.arguments`);
      return value as Record<string, unknown>;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // falls through to the 400 below
  }
  throw new ApiError(400, "invalid_request_error", "invalid_tool_arguments", "Tool call arguments must be a JSON object.", `tool_calls[${j}].function.arguments`);
}

/** Builds `systemInstruction` and `contents`; consecutive turns of one role are merged, as Gemini expects. */
export function toGeminiContents(messages: readonly ChatMessage[]): { systemInstruction?: { parts: GeminiRequestPart[] }; contents: GeminiContent[] } {
  const system: GeminiRequestPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const push = (role: GeminiContent["role"], parts: GeminiRequestPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, i) => {
    switch (message.role) {
      case "system":
      case "developer":
        system.push({ text: textOf(message.content) });
        return;
      case "user":
        return push("user", userParts(message.content, i));
      case "assistant":
        for (const call of message.tool_calls ?? []) toolNames.set(call.id, call.function.name);
        return push("model", modelParts(message));
      case "tool": {
        const name = toolNames.get(message.tool_call_id);
        if (!name) throw new ApiError(400, "invalid_request_error", "invalid_tool_call_id", `No earlier tool call has the id '${message.tool_call_id}'.`, `messages[${i}].tool_call_id`);
        return push("user", [{ functionResponse: { name, response: { result: textOf(message.content) } } }]);
      }
      case "function":
        throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `The deprecated 'function' role is not supported by ${LABEL} models; use tools.`, `messages[${i}].role`);
    }
  });
  return system.length > 0 ? { systemInstruction: { parts: system }, contents } : { contents };
}

function toolConfig(choice: ChatCompletionRequest["tool_choice"]): Record<string, unknown> | undefined {
  if (choice === undefined) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.function.name] } };
}

function responseFormat(format: ChatCompletionRequest["response_format"]): Record<string, unknown> {
  if (!format || format.type === "text") return {};
  if (format.type === "json_object") return { responseMimeType: "application/json" };
  const schema = format.json_schema.schema;
  return schema ? { responseMimeType: "application/json", responseJsonSchema: schema } : { responseMimeType: "application/json" };
}

function thinkingConfig(effort: ChatCompletionRequest["reasoning_effort"], upstreamModel: string): Record<string, unknown> | undefined {
  if (!effort) return undefined;
  if (usesThinkingLevel(upstreamModel)) return { thinkingLevel: effort, includeThoughts: true };
  return { thinkingBudget: THINKING_BUDGET[effort], includeThoughts: true };
}

function dropEmpty(record: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(record)) if (record[key] === undefined || record[key] === null) delete record[key];
  return record;
}

/**
 * The request body. Built from an allow-list: `user`, `safety_identifier` and
 * `prompt_cache_key` are hints with no effect on output and are not sent.
 */
export function toGeminiRequest(request: ChatCompletionRequest, upstreamModel: string): Record<string, unknown> {
  rejectUnsupported(request, UNSUPPORTED, LABEL);
  if (request.parallel_tool_calls === false) {
    throw new ApiError(400, "invalid_request_error", "unsupported_parameter", `'parallel_tool_calls: false' is not supported by ${LABEL} models.`, "parallel_tool_calls");
  }
  const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
  const generationConfig = dropEmpty({
    temperature: request.temperature,
    topP: request.top_p,
    maxOutputTokens: request.max_completion_tokens ?? request.max_tokens,
    stopSequences: stop && stop.length > 0 ? stop : undefined,
    candidateCount: request.n,
    seed: request.seed,
    presencePenalty: request.presence_penalty,
    frequencyPenalty: request.frequency_penalty,
    ...responseFormat(request.response_format),
    thinkingConfig: thinkingConfig(request.reasoning_effort, upstreamModel),
  });
  // parametersJsonSchema takes OpenAI's JSON Schema as is; `parameters` is an
  // OpenAPI subset that rejects common keywords such as additionalProperties.
  const tools = request.tools?.length
    ? [{ functionDeclarations: request.tools.map(({ function: f }) => dropEmpty({ name: f.name, description: f.description, parametersJsonSchema: f.parameters })) }]
    : undefined;
  return dropEmpty({
    ...toGeminiContents(request.messages),
    tools,
    // A calling mode without declarations is meaningless upstream; `none` without tools is simply honoured.
    toolConfig: tools ? toolConfig(request.tool_choice) : undefined,
    generationConfig: Object.keys(generationConfig).length > 0 ? generationConfig : undefined,
  });
}
