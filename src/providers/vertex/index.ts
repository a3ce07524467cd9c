/**
 * Vertex AI publisher models: Google's Gemini in Gemini's format
 * (generateContent, google/), Anthropic's Claude in Anthropic's Messages
 * format (rawPredict, anthropic/), authenticated with the endpoint's OAuth
 * access token. Only the addressing differs from those APIs:
 * - the model is in the URL (paths.ts), never in a Claude body;
 * - Claude's API version goes in the body as `anthropic_version:
 *   "vertex-2023-10-16"` (Anthropic's "Claude on Vertex AI"), not as the
 *   anthropic-version header; its betas go in the body as `anthropic_beta`,
 *   where Vertex reads them (it checks an anthropic-beta header against a
 *   list of its own);
 * - Gemini's body is the Gemini API's: every field the transform builds is in
 *   Vertex's GenerateContentRequest (v1), and every content has its role.
 */
import { chatOnMessages, type MessagesTarget } from "../anthropic/index";
import { anthropicMessagesPassthrough, type PassthroughCall } from "../anthropic/passthrough";
import { generateContent } from "../google/index";
import type { ChatProvider, ChatResult, ProviderCall, ProviderConfig } from "../types";
import { errors } from "../../shared/errors";
import { bearerHeader } from "./auth";
import { publisherModel, vertexPath, type PublisherModel } from "./paths";

export const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

function publisherOf(upstreamModel: string): PublisherModel {
  const target = publisherModel(upstreamModel);
  // model-spec refuses such a route; a seed that slipped through fails this route only.
  if (!target) throw errors.upstream(`The Vertex AI route '${upstreamModel}' names no publisher ('google/…' or 'anthropic/…').`, "provider_not_configured");
  return target;
}

/** Claude on Vertex: rawPredict or streamRawPredict, the Messages body without `model`. */
function claudeTarget(config: ProviderConfig, target: PublisherModel, betas: readonly string[], stream: boolean, clientSignal: AbortSignal): MessagesTarget {
  return {
    path: vertexPath(config, target, stream ? "streamRawPredict" : "rawPredict"),
    headers: async () => ({ ...(await bearerHeader(config, clientSignal)), accept: stream ? "text/event-stream" : "application/json" }),
    body: ({ model: _model, ...messages }) => ({
      ...messages,
      anthropic_version: VERTEX_ANTHROPIC_VERSION,
      ...(betas.length > 0 ? { anthropic_beta: [...betas] } : {}),
    }),
  };
}

export const vertex: ChatProvider = {
  wire: "vertex",
  async chat(call: ProviderCall): Promise<ChatResult> {
    const target = publisherOf(call.route.upstreamModel);
    if (target.publisher === "anthropic") {
      return chatOnMessages(call, target.model, claudeTarget(call.config, target, [], call.request.stream === true, call.clientSignal));
    }
    return generateContent(call, {
      model: target.model,
      path: (stream) => vertexPath(call.config, target, stream ? "streamGenerateContent" : "generateContent"),
      headers: () => bearerHeader(call.config, call.clientSignal),
    });
  },
};

/** Whether a Vertex route serves a model in Anthropic's Messages format (its /v1/messages request passes through). */
export const servesClaude = (upstreamModel: string): boolean => publisherModel(upstreamModel)?.publisher === "anthropic";

/** /v1/messages on Claude through Vertex: the client's request as sent, in Vertex's addressing. */
export async function vertexMessagesPassthrough(call: PassthroughCall): Promise<ChatResult> {
  const target = claudeTarget(call.config, publisherOf(call.route.upstreamModel), call.betas, call.request.stream === true, call.clientSignal);
  return anthropicMessagesPassthrough(call, target);
}
