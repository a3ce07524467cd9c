/**
 * STUB (lead): /v1/responses on a route that speaks OpenAI's Responses API
 * natively gets the request as sent, with `store` forced to false and
 * `model` set to the route's upstream model. The implementation comes with
 * the passthrough work; until then no route passes through.
 */
import type { ChatResult, ProviderConfig, Route, WireFormat } from "../types";

export interface ResponsesPassthroughCall {
  /** The client's request as validated (zod output), `store` already false; the passthrough sets `model`. */
  request: Readonly<Record<string, unknown>>;
  stream: boolean;
  route: Route;
  config: ProviderConfig;
  /** The endpoint's name in error messages. */
  label: string;
  requestId: string;
  clientSignal: AbortSignal;
  idleTimeoutMs?: number;
}

/** The passthrough of a wire format that serves the Responses API natively, or null (the request is then translated through chat). */
export function responsesPassthrough(_wire: WireFormat): ((call: ResponsesPassthroughCall) => Promise<ChatResult>) | null {
  return null;
}
