/**
 * OpenAI chat request → Anthropic Messages request (API version 2023-06-01).
 * Pure: no I/O. Anything Anthropic cannot honour is a 400 naming the field.
 */
import { ApiError } from "../../shared/errors";
import type { ChatCompletionRequest, ChatMessage } from "../chat-schema";
import { rejectUnsupported } from "../params";
import { assertDepth } from "../schema-guards";

const LABEL = "Anthropic";
/** Anthropic requires max_tokens; OpenAI does not. Used when the client gives none. */
export const DEFAULT_MAX_TOKENS = 4_096;
/** reasoning_effort → extended thinking budget (tokens), for models before Claude 5. */
export const THINKING_BUDGETS = { low: 1_024, medium: 4_096, high: 16_384 } as const;

/**
 * Claude 5 and later think adaptively: they reject manual extended thinking
 * (`budget_tokens`) and sampling parameters (temperature, top_p, top_k) with a
 * 400 (Anthropic's Claude Sonnet 5 and Haiku 5.5 migration guides); effort is
 * set with output_config.effort.
 */
export function thinksAdaptively(upstreamModel: string): boolean {
  const major = /^claude-[a-z]+-(\d+)/.exec(upstreamModel)?.[1];
  return major !== undefined && Number(major) >= 5;
}

const UNSUPPORTED: readonly (keyof ChatCompletionRequest)[] = [
  "seed", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "audio", "modalities",
  "web_search_options", "service_tier", "store", "metadata", "verbosity", "prediction", "functions", "function_call",
];

type Block = Record<string, unknown>;
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

const bad = (message: string, param: string) => new ApiError(400, "invalid_request_error", "unsupported_parameter", message, param);

function textOf(content: string | { type: "text"; text: string }[]): string {
  return typeof content === "string" ? content : content.map((p) => p.text).join("\n");
}

function imageBlock(url: string, param: string): Block {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (data) return { type: "image", source: { type: "base64", media_type: data[1], data: data[2] } };
  if (url.startsWith("https://")) return { type: "image", source: { type: "url", url } };
  throw bad("Images must be https URLs or base64 data URLs.", param);
}

function userBlocks(message: Extract<ChatMessage, { role: "user" }>, i: number): Block[] {
  if (typeof message.content === "string") return [{ type: "text", text: message.content }];
  return message.content.map((part, j) => {
    if (part.type === "text") return { type: "text", text: part.text };
    if (part.type === "image_url") return imageBlock(part.image_url.url, `messages[${i}].content[${j}]`);
    throw bad(`'${part.type}' content is not supported by ${LABEL} models.`, `messages[${i}].content[${j}]`);
  });
}

function parseArguments(args: string, param: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(args || "{}");
    if (value && typeof value === "object" && !Array.isArray(value)) {
      assertDepth(value, param);
      return value as Record<string, unknown>;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // fall through
  }
  throw new ApiError(400, "invalid_request_error", "invalid_value", "Tool call arguments must be a JSON object.", param);
}

function assistantBlocks(message: Extract<ChatMessage, { role: "assistant" }>, i: number): Block[] {
  // Signed thinking blocks go first and unchanged: Anthropic verifies them on multi-turn tool use.
  const blocks: Block[] = [...(message.thinking_blocks ?? [])];
  const text = typeof message.content === "string" ? message.content : (message.content ?? []).map((p) => ("text" in p ? p.text : "")).join("");
  if (text) blocks.push({ type: "text", text });
  for (const [j, call] of (message.tool_calls ?? []).entries()) {
    blocks.push({ type: "tool_use", id: call.id, name: call.function.name, input: parseArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) });
  }
  return blocks;
}

/** Builds alternating turns; tool results become tool_result blocks of a user turn. */
function toTurns(messages: readonly ChatMessage[]): { system: string | undefined; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn["role"], content: Block[]) => {
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  messages.forEach((m, i) => {
    switch (m.role) {
      case "system":
      case "developer":
        return void system.push(textOf(m.content));
      case "user":
        return push("user", userBlocks(m, i));
      case "assistant":
        return push("assistant", assistantBlocks(m, i));
      case "tool":
        return push("user", [{ type: "tool_result", tool_use_id: m.tool_call_id, content: textOf(m.content) }]);
      case "function":
        throw bad(`The deprecated 'function' role is not supported by ${LABEL} models; use tools.`, `messages[${i}].role`);
    }
  });
  return { system: system.length > 0 ? system.join("\n\n") : undefined, turns };
}

function toolChoice(r: ChatCompletionRequest): Block | undefined {
  const disableParallel = r.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  const choice = r.tool_choice;
  if (choice === undefined) return r.parallel_tool_calls === false && r.tools ? { type: "auto", ...disableParallel } : undefined;
  if (choice === "none") return { type: "none" };
  if (choice === "auto") return { type: "auto", ...disableParallel };
  if (choice === "required") return { type: "any", ...disableParallel };
  return { type: "tool", name: choice.function.name, ...disableParallel };
}

/** The Messages request body; it needs no anthropic-beta flag. */
export function toAnthropicRequest(r: ChatCompletionRequest, upstreamModel: string): Record<string, unknown> {
  rejectUnsupported(r, UNSUPPORTED, LABEL);
  if ((r.n ?? 1) > 1) throw bad(`'n' above 1 is not supported by ${LABEL} models.`, "n");
  if (r.temperature != null && r.temperature > 1) throw bad(`'temperature' must be between 0 and 1 for ${LABEL} models.`, "temperature");
  const { system, turns } = toTurns(r.messages);
  let maxTokens = r.max_completion_tokens ?? r.max_tokens ?? DEFAULT_MAX_TOKENS;
  const body: Record<string, unknown> = { model: upstreamModel, messages: turns };
  if (system !== undefined) body.system = system;
  const outputConfig: Record<string, unknown> = {};
  const effort = r.reasoning_effort;
  const adaptive = thinksAdaptively(upstreamModel);
  if (adaptive) {
    const sampling = r.temperature != null ? "temperature" : r.top_p != null ? "top_p" : undefined;
    if (sampling) throw bad(`'${sampling}' is not accepted by ${upstreamModel}; remove it (use reasoning_effort to steer the model).`, sampling);
    if (effort) {
      // Some of these models cannot switch thinking off; "minimal" asks for the lowest effort.
      body.thinking = { type: "adaptive" };
      outputConfig.effort = effort === "minimal" ? "low" : effort;
    }
  } else if (effort && effort !== "minimal") {
    if (r.temperature != null || r.top_p != null) throw bad(`'reasoning_effort' cannot be combined with 'temperature' or 'top_p' on ${LABEL} models.`, "reasoning_effort");
    const budget = THINKING_BUDGETS[effort];
    body.thinking = { type: "enabled", budget_tokens: budget };
    // Anthropic counts thinking inside max_tokens; keep the client's cap for the answer itself.
    maxTokens += budget;
  }
  body.max_tokens = maxTokens;
  if (r.stop != null) body.stop_sequences = typeof r.stop === "string" ? [r.stop] : r.stop;
  if (r.temperature != null) body.temperature = r.temperature;
  if (r.top_p != null) body.top_p = r.top_p;
  if (r.tools) body.tools = r.tools.map((t) => ({ name: t.function.name, description: t.function.description, input_schema: t.function.parameters ?? { type: "object", properties: {} } }));
  const choice = toolChoice(r);
  if (choice) body.tool_choice = choice;
  const format = r.response_format;
  if (format && format.type !== "text") {
    const schema = format.type === "json_schema" ? (format.json_schema.schema ?? { type: "object" }) : { type: "object" };
    // Structured outputs are generally available as output_config.format (no beta
    // flag); the beta's top-level output_format is deprecated (Anthropic's
    // "Structured outputs" guide).
    outputConfig.format = { type: "json_schema", schema };
  }
  if (Object.keys(outputConfig).length > 0) body.output_config = outputConfig;
  const user = r.safety_identifier ?? r.user;
  if (user) body.metadata = { user_id: user };
  if (r.stream) body.stream = true;
  return body;
}
