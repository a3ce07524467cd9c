/**
 * A Responses API stream relayed to a client that speaks it: every event
 * passes through as it came (its `event:` name, its `sequence_number`),
 * read once on the way for the commit point, the generated text (billing a
 * stream cut short), the usage on its terminal event and the upstream's
 * failure. OpenAI's stream ends with `response.completed`, or
 * `response.incomplete` (a finish such as max_output_tokens), or fails with
 * an `error` event or `response.failed`; it has no `[DONE]`.
 */
import type { ApiError } from "../../shared/errors";
import { GeneratedText, addResponsesEvent } from "../generated";
import type { SseEvent } from "../sse";
import { parseJson, type CommittingTranslator } from "../sse-translator";
import { inStreamError } from "../stream-failure";
import type { Usage } from "../types";
import { responseObjectSchema, toResponsesUsage } from "./usage";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The events whose `response` carries the final usage. */
const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * Whether an event carries content for the client: a delta, an item done, a
 * finish, or a tool call's item as it is added (its name, as an Anthropic
 * tool_use block's start). response.created, response.in_progress and an
 * empty message or reasoning item being added do not.
 */
function carriesContent(json: Json): boolean {
  const type = typeof json.type === "string" ? json.type : "";
  if (type.endsWith(".delta") || type === "response.output_item.done" || type === "response.completed" || type === "response.incomplete") return true;
  return type === "response.output_item.added" && isObject(json.item) && json.item.type !== "message" && json.item.type !== "reasoning";
}

/**
 * The upstream's own failure: an `error` event, with its code at the top
 * (as OpenAI documents it) or under `error` (as its streams send it), or
 * `response.failed`, whose response carries the error.
 */
function failureOf(json: Json, label: string): ApiError | null {
  if (json.type === "error") {
    const error = isObject(json.error) ? json.error : json;
    const kind = [error.code, error.type].find((v) => typeof v === "string" && v !== "");
    return inStreamError(label, typeof kind === "string" ? kind : "error");
  }
  if (json.type !== "response.failed") return null;
  const error = isObject(json.response) && isObject(json.response.error) ? json.response.error : {};
  return inStreamError(label, typeof error.code === "string" && error.code !== "" ? error.code : "response_failed");
}

/**
 * The router's own terminal event (the stream broke, stalled or ended
 * early): an `error` event numbered after the last one relayed, its error
 * under `error`, which is what OpenAI's SDKs raise on.
 */
export function responsesErrorEvent(sequenceNumber: number, code: string, message: string): SseEvent[] {
  return [{ event: "error", data: JSON.stringify({ type: "error", sequence_number: sequenceNumber, error: { type: "upstream_error", code, message, param: null } }) }];
}

export function responsesStreamTranslator(label: string): CommittingTranslator {
  let usage: Usage | null = null;
  let finished = false;
  let committed = false;
  let failure: ApiError | null = null;
  let nextSequence = 0;
  const generated = new GeneratedText();
  return {
    push(events) {
      const out: SseEvent[] = [];
      for (const e of events) {
        // The upstream's error event is the last thing relayed.
        if (failure) break;
        out.push(e);
        const json = parseJson(e.data);
        if (!isObject(json)) continue;
        if (typeof json.sequence_number === "number") nextSequence = json.sequence_number + 1;
        committed ||= carriesContent(json);
        addResponsesEvent(json, generated);
        if (typeof json.type === "string" && TERMINAL.has(json.type)) {
          const response = responseObjectSchema.safeParse(json.response);
          if (response.success && response.data.usage) usage = toResponsesUsage(response.data.usage);
          finished ||= json.type !== "response.failed";
        }
        failure = failureOf(json, label);
      }
      return out;
    },
    end: () => ({ events: [], state: failure ? "failed" : finished ? "complete" : "incomplete" }),
    committed: () => committed,
    failure: () => failure,
    usage: () => usage,
    generated: () => generated.text(),
    error: (code, message) => responsesErrorEvent(nextSequence, code, message),
  };
}
