/**
 * Anthropic Messages API wire format, per its documentation: versions
 * 2023-06-01 (x-api-key) and 2026-10-21 (Authorization: Bearer; rejects
 * temperature, top_p, top_k), JSON messages, the SSE event sequence
 * (message_start, ping, content_block_start/delta/stop, message_delta,
 * message_stop), thinking blocks with signatures, tool_use, errors. Usage
 * carries output_tokens_details.thinking_tokens (a breakdown of output_tokens),
 * on the final message_delta only when streaming.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterFirstChunk, answerFailureScenario, beforeChunk, countTokens, DEFAULT_REPLY, pingOnly, promptText, type Scenario, sendAnswer, splitReply } from "./scenario.ts";
import type { FakeContext } from "./server.ts";

const VERSIONS = ["2023-06-01", "2026-10-21"];
const FIELDS = new Set([
  "model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream", "temperature", "top_p", "top_k", "tools",
  "tool_choice", "thinking", "service_tier", "output_config", "output_format", "cache_control", "container", "mcp_servers", "inference_geo", "speed",
]);
const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
  413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error",
};

export interface AnthropicScenario extends Scenario {
  /** Report this many prompt tokens as cache reads. */
  cached?: number;
  /** Answer with this many parallel tool_use blocks. */
  parallelTools?: number;
}

export function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", "request-id": "req_fake", ...headers });
  res.end(JSON.stringify({ type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } }));
}

interface Body {
  model?: unknown;
  max_tokens?: unknown;
  messages?: { role: string; content: unknown }[];
  system?: unknown;
  stream?: boolean;
  tools?: { name: string }[];
  tool_choice?: { type: string; name?: string };
  thinking?: { type: string };
  output_format?: unknown;
  output_config?: { effort?: unknown; format?: { type?: unknown; schema?: unknown } | null } & Record<string, unknown>;
}

/** output_config as documented: {effort?, format?: {type: "json_schema", schema}}; no beta flag needed. */
function outputConfigProblem(config: Body["output_config"]): string | null {
  if (config === undefined) return null;
  if (typeof config !== "object" || config === null) return "output_config: Input should be an object";
  for (const field of Object.keys(config)) if (field !== "effort" && field !== "format") return `output_config.${field}: Extra inputs are not permitted`;
  const format = config.format;
  if (format == null) return null;
  if (format.type !== "json_schema") return "output_config.format.type: Input should be 'json_schema'";
  if (typeof format.schema !== "object" || format.schema === null || Array.isArray(format.schema)) return "output_config.format.schema: Field required";
  for (const field of Object.keys(format)) if (field !== "type" && field !== "schema") return `output_config.format.${field}: Extra inputs are not permitted`;
  return null;
}

/** What the request's headers say to Anthropic's API: the version and the betas (on Vertex, the body says them). */
export interface MessagesCall {
  version: string;
  betas: string[];
}

/** The first problem with a request's headers (version, credential), as Anthropic's API reports it, or null. */
function headerProblem(req: IncomingMessage): [number, string] | null {
  const version = String(req.headers["anthropic-version"] ?? "");
  if (!VERSIONS.includes(version)) return [400, `anthropic-version: '${version}' is not a valid version`];
  const auth = version === "2023-06-01" ? req.headers["x-api-key"] : /^Bearer \S+$/.exec(String(req.headers.authorization ?? ""))?.[0];
  if (!auth) return [401, version === "2023-06-01" ? "x-api-key header is required" : "Authorization: Bearer header is required"];
  return null;
}

/** The first problem with a request body, as the real API would report it, or null. */
function validate({ version, betas }: MessagesCall, body: Body): [number, string] | null {
  for (const field of Object.keys(body)) if (!FIELDS.has(field)) return [400, `${field}: Extra inputs are not permitted`];
  if (version === "2026-10-21") {
    for (const field of ["temperature", "top_p", "top_k"]) if (field in body) return [400, `${field}: Extra inputs are not permitted`];
  }
  // The deprecated beta form still works during Anthropic's transition period, with its flag.
  if (body.output_format !== undefined && !betas.includes("structured-outputs-2025-11-13")) {
    return [400, "output_format: Extra inputs are not permitted"];
  }
  // Claude 5 and later: adaptive thinking only, no sampling parameters.
  if (Number(/^claude-[a-z]+-(\d+)/.exec(String(body.model))?.[1] ?? 0) >= 5) {
    if (body.thinking?.type === "enabled") return [400, "thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior."];
    for (const field of ["temperature", "top_p", "top_k"]) if (field in body) return [400, `${field}: is not supported for this model`];
  }
  const outputConfig = outputConfigProblem(body.output_config);
  if (outputConfig) return [400, outputConfig];
  if (typeof body.model !== "string") return [400, "model: Field required"];
  if (typeof body.max_tokens !== "number") return [400, "max_tokens: Field required"];
  if (!Array.isArray(body.messages) || body.messages.length === 0) return [400, "messages: at least one message is required"];
  return null;
}

function lastUserHasToolResult(body: Body): boolean {
  const last = body.messages?.[body.messages.length - 1];
  return Array.isArray(last?.content) && (last.content as { type: string }[]).some((b) => b.type === "tool_result");
}

type Block = Record<string, unknown>;

function answerBlocks(body: Body, scenario: AnthropicScenario): Block[] {
  const blocks: Block[] = [];
  if (body.thinking?.type === "enabled" || body.thinking?.type === "adaptive") {
    blocks.push({ type: "thinking", thinking: "Let me think about this.", signature: `sig-${Date.now().toString(36)}` });
  }
  const wantsTool = body.tools?.length && body.tool_choice?.type !== "none" && !lastUserHasToolResult(body);
  if (wantsTool) {
    const name = body.tool_choice?.name ?? body.tools![0]!.name;
    for (let i = 0; i < (scenario.parallelTools ?? 1); i++) {
      blocks.push({ type: "tool_use", id: `toolu_fake${i}${Date.now().toString(36)}`, name, input: { city: i === 0 ? "Paris" : "Berlin" } });
    }
  } else {
    const json = body.output_config?.format != null || body.output_format !== undefined;
    blocks.push({ type: "text", text: scenario.reply ?? (json ? JSON.stringify({ reply: DEFAULT_REPLY }) : DEFAULT_REPLY) });
  }
  return blocks;
}

function usageOf(body: Body, blocks: Block[], scenario: AnthropicScenario) {
  const prompt = countTokens(promptText([body.system ?? "", body.messages]));
  const cached = Math.min(scenario.cached ?? 0, prompt);
  const output = blocks.reduce((n, b) => n + countTokens(JSON.stringify(b.text ?? b.thinking ?? b.input ?? "")), 0);
  const thinking = blocks.reduce((n, b) => n + (b.type === "thinking" ? countTokens(JSON.stringify(b.thinking)) : 0), 0);
  // output_tokens includes thinking; output_tokens_details breaks it down.
  return { input_tokens: prompt - cached, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens_details: { thinking_tokens: thinking } };
}

export async function handleAnthropic(req: IncomingMessage, res: ServerResponse, raw: unknown, s: Scenario, ctx: FakeContext): Promise<void> {
  const headers = headerProblem(req);
  if (headers) return sendError(res, headers[0], headers[1]);
  const betas = String(req.headers["anthropic-beta"] ?? "").split(",").map((b) => b.trim()).filter(Boolean);
  return answerMessages(req, res, raw, s, ctx, { version: String(req.headers["anthropic-version"]), betas });
}

/** A Messages call once its version, betas and credential are known (from headers here, from Vertex's body and token in vertex-format.ts). */
export async function answerMessages(req: IncomingMessage, res: ServerResponse, raw: unknown, s: Scenario, ctx: FakeContext, call: MessagesCall): Promise<void> {
  const body = raw as Body;
  const scenario = s as AnthropicScenario;
  const invalid = validate(call, body);
  if (invalid) return sendError(res, invalid[0], invalid[1]);
  if (await answerFailureScenario(req, res, scenario, (status, message) => ({ type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } }))) return;
  const blocks = answerBlocks(body, scenario);
  const usage = usageOf(body, blocks, scenario);
  const stopReason = blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  const id = `msg_fake${Date.now().toString(36)}`;
  if (!body.stream) {
    const message = { id, type: "message", role: "assistant", model: body.model, content: blocks, stop_reason: stopReason, stop_sequence: null, usage };
    return sendAnswer(req, res, scenario, { "content-type": "application/json", "request-id": "req_fake" }, message);
  }

  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (type: string, payload: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  const { output_tokens_details: outputDetails, ...startUsage } = usage;
  send("message_start", { message: { id, type: "message", role: "assistant", model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...startUsage, output_tokens: 1 } } });
  send("ping", {});
  // Anthropic's documented in-stream error (messages-streaming#error-events), e.g. when overloaded.
  const streamError = () => {
    send("error", { error: { type: "overloaded_error", message: "Overloaded" } });
    res.end();
  };
  if (await pingOnly(res, scenario, () => send("ping", {}))) return;
  if (scenario.streamError === "first") return streamError();
  let deltas = 0;
  for (const [index, block] of blocks.entries()) {
    const pieces: [string, Block][] = [];
    if (block.type === "text") {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const text of splitReply(String(block.text), scenario.chunks ?? 3)) pieces.push(["text_delta", { text }]);
    } else if (block.type === "thinking") {
      send("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
      pieces.push(["thinking_delta", { thinking: block.thinking }], ["signature_delta", { signature: block.signature }]);
    } else {
      send("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      pieces.push(["input_json_delta", { partial_json: json.slice(0, 5) }], ["input_json_delta", { partial_json: json.slice(5) }]);
    }
    for (const [type, delta] of pieces) {
      await beforeChunk(deltas, res, scenario, ctx);
      send("content_block_delta", { index, delta: { type, ...delta } });
      deltas++;
      if (deltas === 1 && scenario.streamError === "mid") return streamError();
      if (deltas === 1 && (await afterFirstChunk(req, res, scenario, ctx))) return;
    }
    send("content_block_stop", { index });
  }
  send("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens, output_tokens_details: outputDetails } });
  send("message_stop", {});
  res.end();
}
