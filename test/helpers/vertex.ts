/**
 * Calls on the Vertex AI adapter itself, against the fake's /vertex-eu paths,
 * with a ProviderConfig whose token source the test chooses (the router's
 * comes from the service account: see vertex-router.test.ts).
 */
import { env } from "cloudflare:workers";
import { chatCompletionRequestSchema } from "../../src/providers/chat-schema";
import { googleAccessTokenSource } from "../../src/providers/google-auth/token-source";
import type { ProviderCall, ProviderConfig, Route } from "../../src/providers/types";

export const PROJECT = "emby-test";
/** A token from the fake's token endpoint for the test service account: the fake's Vertex paths accept only tokens it issued. */
export const TOKEN = await googleAccessTokenSource(env)!();

export function vertexConfig(overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    baseUrl: `${env.FAKE_UPSTREAM_URL}/vertex-eu`,
    apiKey: undefined,
    accessToken: () => Promise.resolve(TOKEN),
    vertex: { project: PROJECT, location: "eu" },
    timeoutMs: 5000,
    ...overrides,
  };
}

export function vertexRoute(upstreamModel: string): Route {
  return { endpoint: "vertex-eu", upstreamModel, region: "eu", pricing: { prompt: 1, completion: 2 }, contextLength: 200_000, maxOutputTokens: 8_192 };
}

/** A chat call on `upstreamModel` ("google/…" or "anthropic/…") through the vertex-eu endpoint. */
export function vertexChatCall(upstreamModel: string, request: Record<string, unknown>, config = vertexConfig(), clientSignal = new AbortController().signal): ProviderCall {
  return {
    request: chatCompletionRequestSchema.parse({ model: "test/model", ...request }),
    route: vertexRoute(upstreamModel),
    config,
    label: "Vertex AI (EU)",
    requestId: `req-${crypto.randomUUID()}`,
    clientSignal,
  };
}

/** The `data:` payloads of an SSE body. */
export function dataOf(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((block) => block.split(/\r?\n/).filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"))
    .filter((d) => d.length > 0);
}
