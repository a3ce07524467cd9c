/** Helpers for /v1/responses tests. */
import { call, sseEvents } from "./router";

export function responses(key: string, body: unknown): Promise<Response> {
  return call("/v1/responses", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export interface ResponsesEvent {
  event: string;
  data: Record<string, unknown> & { type: string; sequence_number: number };
}

/** Reads a Responses SSE body into (event, data) pairs. */
export function parseResponsesEvents(text: string): ResponsesEvent[] {
  return sseEvents<ResponsesEvent["data"]>(text);
}

export interface OutputItem {
  id: string;
  type: string;
  status?: string;
  role?: string;
  content?: { type: string; text: string }[];
  call_id?: string;
  name?: string;
  arguments?: string;
  summary?: { type: string; text: string }[];
  encrypted_content?: string;
}

export interface ResponseObject {
  id: string;
  object: string;
  status: string;
  model: string;
  store: boolean;
  incomplete_details: { reason: string } | null;
  output: OutputItem[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number; input_tokens_details: { cached_tokens: number }; output_tokens_details: { reasoning_tokens: number } };
}

/** The final response of a stream (response.completed / .incomplete / .failed). */
export function finalResponse(events: ResponsesEvent[]): ResponseObject {
  return events.at(-1)!.data.response as ResponseObject;
}

/** The text of a response's message items, as the SDKs' output_text. */
export const outputText = (r: ResponseObject) => r.output.filter((i) => i.type === "message").flatMap((i) => i.content ?? []).map((p) => p.text).join("");
