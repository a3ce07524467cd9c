/**
 * Google Gemini REST v1beta wire format, as its API documentation describes:
 * `models/<model>:generateContent` answers a GenerateContentResponse
 * ({candidates: [{content: {role: "model", parts}, finishReason, index}],
 * usageMetadata, modelVersion, responseId}); `:streamGenerateContent?alt=sse`
 * sends one such response per `data:` event (CRLF-delimited, as Google does),
 * the last carrying finishReason and the final usageMetadata. Errors are
 * `{"error": {code, message, status}}`; the key travels in `x-goog-api-key`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterFirstChunk, answerFailureScenario, beforeChunk, countTokens, DEFAULT_REPLY, promptText, type Scenario, sendAnswer, splitReply } from "./scenario.ts";
import type { FakeContext } from "./server.ts";

/** Gemini-only switches, on top of the shared ones. */
interface GeminiScenario extends Scenario {
  /** Answer with this many parallel function calls (default 1). */
  parallelTools?: number;
  /** Finish with SAFETY and no content. */
  safety?: boolean;
  /** Block the prompt itself: promptFeedback.blockReason and no candidates. */
  blocked?: boolean;
  /** Report this many prompt tokens as served from the cache. */
  cached?: number;
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
};

/** Top-level fields of GenerateContentRequest; Google rejects unknown names with 400. */
const REQUEST_FIELDS = new Set(["contents", "tools", "toolConfig", "safetySettings", "systemInstruction", "generationConfig", "cachedContent"]);
const GENERATION_FIELDS = new Set([
  "stopSequences", "responseMimeType", "responseSchema", "responseJsonSchema", "responseModalities", "candidateCount", "maxOutputTokens",
  "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty", "responseLogprobs", "logprobs", "thinkingConfig",
]);

/** base64("fake-thought-signature"): Google's signatures are opaque base64 strings. */
export const FAKE_THOUGHT_SIGNATURE = "ZmFrZS10aG91Z2h0LXNpZ25hdHVyZQ==";
const THOUGHT = "Thinking about the question.";

export function geminiError(status: number, message: string, retryDelay?: string) {
  const details = retryDelay ? { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }] } : {};
  return { error: { code: status, message, status: STATUS_NAMES[status] ?? (status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"), ...details } };
}

const GEMINI_JSON = { "content-type": "application/json; charset=UTF-8" };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...GEMINI_JSON, ...headers });
  res.end(JSON.stringify(body));
}

interface Part { text?: string; thought?: boolean; thoughtSignature?: string; functionCall?: unknown; functionResponse?: unknown }
interface Content { role?: string; parts?: Part[] }
interface GeminiBody {
  contents?: Content[];
  systemInstruction?: Content;
  tools?: { functionDeclarations?: { name: string }[] }[];
  toolConfig?: { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } };
  generationConfig?: Record<string, unknown> & { thinkingConfig?: { includeThoughts?: boolean; thinkingLevel?: string; thinkingBudget?: number }; candidateCount?: number; responseMimeType?: string };
}

/** Gemini 3 and later: thinkingLevel instead of thinkingBudget, and mandatory thought signatures on function calls. */
const isGemini3 = (model: string) => Number(/^gemini-(\d+)/.exec(model)?.[1] ?? 0) >= 3;
const THINKING_LEVELS = new Set(["minimal", "low", "medium", "high"]);

function thinkingProblem(config: Record<string, unknown> | undefined, model: string): string | null {
  if (!config) return null;
  if (config.thinkingLevel !== undefined && config.thinkingBudget !== undefined) return "You can only set one of thinking budget and thinking level.";
  if (config.thinkingLevel !== undefined && !isGemini3(model)) return "Thinking level is not supported for this model.";
  if (config.thinkingLevel !== undefined && !THINKING_LEVELS.has(String(config.thinkingLevel).toLowerCase())) return `Invalid value at 'generation_config.thinking_config.thinking_level' (${String(config.thinkingLevel)})`;
  return null;
}

/**
 * Gemini 3 validates the current turn (every step since the last user message
 * that is not only function responses): the first functionCall part of each
 * model step must carry the thoughtSignature it came with, else 400.
 */
function missingSignature(contents: Content[]): string | null {
  const lastUserText = contents.findLastIndex((c) => c.role === "user" && (c.parts ?? []).some((p) => !p.functionResponse));
  for (const [i, c] of contents.entries()) {
    if (i <= lastUserText || c.role !== "model") continue;
    const first = (c.parts ?? []).findIndex((p) => p.functionCall);
    if (first >= 0 && !c.parts![first]!.thoughtSignature) {
      const name = (c.parts![first]!.functionCall as { name?: string }).name;
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`${name}\`, position ${i + 1}.`;
    }
  }
  return null;
}

/** Why Google would refuse this body, or null. */
function invalid(body: GeminiBody, model: string): string | null {
  for (const field of Object.keys(body)) if (!REQUEST_FIELDS.has(field)) return `Invalid JSON payload received. Unknown name "${field}": Cannot find field.`;
  for (const field of Object.keys(body.generationConfig ?? {})) {
    if (!GENERATION_FIELDS.has(field)) return `Invalid JSON payload received. Unknown name "${field}" at 'generation_config': Cannot find field.`;
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  for (const [i, c] of body.contents.entries()) {
    if (c.role !== "user" && c.role !== "model") return `Please use a valid role: user, model. (contents[${i}])`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
  }
  return thinkingProblem(body.generationConfig?.thinkingConfig as Record<string, unknown> | undefined, model) ?? (isGemini3(model) ? missingSignature(body.contents) : null);
}

/** Names of the function calls to answer with, or none: tools offered, calling allowed, last turn not a function response. */
function toolCallNames(body: GeminiBody, count: number): string[] {
  const declared = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((d) => d.name);
  const config = body.toolConfig?.functionCallingConfig;
  if (declared.length === 0 || config?.mode === "NONE") return [];
  if (body.contents!.at(-1)!.parts!.some((p) => p.functionResponse)) return [];
  const allowed = config?.allowedFunctionNames?.length ? config.allowedFunctionNames : declared;
  return Array.from({ length: count }, (_, i) => allowed[i % allowed.length]!);
}

const CITIES = ["Paris", "Berlin", "Madrid", "Rome"];

export async function handleGemini(req: IncomingMessage, res: ServerResponse, body: GeminiBody, scenario: GeminiScenario, ctx: FakeContext, url: URL) {
  if (typeof req.headers["x-goog-api-key"] !== "string" || req.headers["x-goog-api-key"] === "") {
    return sendJson(res, 403, geminiError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
  }
  return answerGemini(req, res, body, scenario, ctx, url);
}

/** A generateContent call once its caller is authenticated (by API key here, by OAuth token on Vertex: vertex-format.ts). */
export async function answerGemini(req: IncomingMessage, res: ServerResponse, body: GeminiBody, scenario: GeminiScenario, ctx: FakeContext, url: URL) {
  const [, model, method] = /\/models\/([^/:]+):(\w+)$/.exec(url.pathname) ?? [];
  const streaming = method === "streamGenerateContent";
  if (streaming && url.searchParams.get("alt") !== "sse") return sendJson(res, 400, geminiError(400, "This fake only streams with alt=sse."));
  const problem = invalid(body, model ?? "");
  if (problem) return sendJson(res, 400, geminiError(400, problem));

  if (await answerFailureScenario(req, res, scenario, (status, message) => geminiError(status, message, scenario.retryDelay))) return;

  const config = body.generationConfig ?? {};
  const thinking = config.thinkingConfig?.includeThoughts === true;
  const json = config.responseMimeType === "application/json";
  const reply = scenario.reply ?? (json ? JSON.stringify({ reply: DEFAULT_REPLY }) : DEFAULT_REPLY);
  const calls = toolCallNames(body, scenario.parallelTools ?? 1);
  const promptTokens = Math.max(countTokens(promptText([body.systemInstruction, body.contents])), scenario.cached ?? 0);
  const candidateTokens = scenario.safety || scenario.blocked ? 0 : calls.length > 0 ? 8 * calls.length : countTokens(reply);
  const thoughtTokens = thinking && !scenario.blocked ? countTokens(THOUGHT) : 0;
  const usageMetadata = {
    promptTokenCount: promptTokens,
    ...(candidateTokens > 0 ? { candidatesTokenCount: candidateTokens } : {}),
    totalTokenCount: promptTokens + candidateTokens + thoughtTokens,
    ...(scenario.cached ? { cachedContentTokenCount: scenario.cached } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: promptTokens }],
    ...(thoughtTokens > 0 ? { thoughtsTokenCount: thoughtTokens } : {}),
  };
  const envelope = { modelVersion: model, responseId: `fake${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}` };
  const candidateCount = typeof config.candidateCount === "number" ? config.candidateCount : 1;
  const thoughtPart: Part[] = thinking ? [{ text: THOUGHT, thought: true }] : [];
  // Google puts the signature on the first function call (always on Gemini 3,
  // which always thinks), or else on the last answer part.
  const signCall = thinking || isGemini3(model ?? "");
  const answerParts: Part[] = calls.length > 0
    ? calls.map((name, i) => ({ functionCall: { name, args: { city: CITIES[i % CITIES.length] } }, ...(signCall && i === 0 ? { thoughtSignature: FAKE_THOUGHT_SIGNATURE } : {}) }))
    : [{ text: reply, ...(thinking ? { thoughtSignature: FAKE_THOUGHT_SIGNATURE } : {}) }];

  if (scenario.blocked) {
    const blocked = { promptFeedback: { blockReason: "SAFETY" }, usageMetadata, ...envelope };
    if (!streaming) return sendAnswer(req, res, scenario, GEMINI_JSON, blocked);
    res.writeHead(200, { "content-type": "text/event-stream" });
    return res.end(`data: ${JSON.stringify(blocked)}\r\n\r\n`);
  }
  const finishReason = scenario.safety ? "SAFETY" : "STOP";
  const safetyRatings = scenario.safety ? [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }] : undefined;

  if (!streaming) {
    const candidates = Array.from({ length: candidateCount }, (_, index) => ({
      ...(scenario.safety ? {} : { content: { role: "model", parts: [...thoughtPart, ...answerParts] } }),
      finishReason,
      ...(safetyRatings ? { safetyRatings } : {}),
      index,
    }));
    return sendAnswer(req, res, scenario, GEMINI_JSON, { candidates, usageMetadata, ...envelope });
  }

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-content-type-options": "nosniff" });
  const send = (parts: Part[] | null, last: boolean) => {
    const candidates = Array.from({ length: candidateCount }, (_, index) => ({
      ...(parts ? { content: { role: "model", parts } } : {}),
      ...(last ? { finishReason, ...(safetyRatings ? { safetyRatings } : {}) } : {}),
      index,
    }));
    // Every chunk carries usage so far; only the last one is complete.
    const usage = last ? usageMetadata : { promptTokenCount: promptTokens, totalTokenCount: promptTokens };
    res.write(`data: ${JSON.stringify({ candidates, usageMetadata: usage, ...envelope })}\r\n\r\n`);
  };
  const pieces: Part[][] = scenario.safety
    ? [[]]
    : calls.length > 0
      ? [...(thinking ? [thoughtPart] : []), answerParts]
      : [...(thinking ? [thoughtPart] : []), ...splitReply(reply, scenario.chunks ?? 3).map((text, i, all) => [{ text, ...(thinking && i === all.length - 1 ? { thoughtSignature: FAKE_THOUGHT_SIGNATURE } : {}) }])];
  // Google appends its error body to the stream as bare JSON, outside any
  // `data:` line, and closes it (seen in vercel/ai#5217 and OmniRoute#4177).
  const streamError = () => res.end(`${JSON.stringify(geminiError(503, "The model is overloaded. Please try again later."), null, 2)}\n`);
  if (scenario.streamError === "first") return streamError();
  for (let i = 0; i < pieces.length; i++) {
    if (i > 0) await beforeChunk(i, res, scenario, ctx);
    const last = i === pieces.length - 1;
    send(pieces[i]!.length > 0 ? pieces[i]! : null, last);
    if (last) break;
    if (i === 0 && scenario.streamError === "mid") return streamError();
    if (i === 0 && (await afterFirstChunk(req, res, scenario, ctx))) return;
  }
  res.end();
}
