import { anthropic } from "./anthropic";
import { anthropicMessagesPassthrough, type PassthroughCall } from "./anthropic/passthrough";
import { azureOpenAI } from "./azure";
import { google } from "./google";
import { mistral } from "./mistral";
import { openai } from "./openai";
import type { ChatProvider, ChatResult, Route, WireFormat } from "./types";
import { servesClaude, vertex, vertexMessagesPassthrough } from "./vertex";

/** The adapter of each wire format the router speaks; an endpoint names one (endpoints.ts). */
export const ADAPTERS: Readonly<Record<WireFormat, ChatProvider>> = { openai, mistral, anthropic, gemini: google, "azure-openai": azureOpenAI, vertex };

/**
 * How /v1/messages reaches a route that speaks Anthropic's Messages format
 * (Anthropic's API, Claude on Vertex AI): the request passes through as
 * sent. Null for any other route, which gets the request translated.
 */
export function messagesPassthrough(wire: WireFormat, route: Route): ((call: PassthroughCall) => Promise<ChatResult>) | null {
  if (wire === "anthropic") return anthropicMessagesPassthrough;
  if (wire === "vertex" && servesClaude(route.upstreamModel)) return vertexMessagesPassthrough;
  return null;
}
