/**
 * Reasoning continuity without storage. OpenAI carries it in a reasoning
 * item's `encrypted_content`, which clients keep and send back with the next
 * request. The router fills that field with what the chat core carries for
 * other providers: Claude's signed thinking blocks (which Anthropic requires
 * back unchanged for multi-turn tool use) and Gemini's thought signatures (per
 * tool call, which Gemini 3 requires back on the calls it signed). It is
 * opaque to the client, versioned by its prefix, and holds nothing the client
 * was not already sent. A reasoning item whose content is not ours (another
 * provider's encrypted reasoning) means nothing to these routes and is
 * dropped, as that provider's reasoning cannot be replayed elsewhere.
 */
import { z } from "zod";
import type { ThinkingBlock } from "../../providers/chat-schema";
import { parseJson } from "../../providers/sse-translator";

const PREFIX = "emby-reasoning-v1:";

const carriedSchema = z
  .object({
    thinking_blocks: z
      .array(z.union([z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }).strict(), z.object({ type: z.literal("redacted_thinking"), data: z.string() }).strict()]))
      .optional(),
    /** Gemini thought signatures by tool call id. */
    tool_signatures: z.record(z.string(), z.string()).optional(),
  })
  .strict();

type CarriedReasoning = z.infer<typeof carriedSchema>;

const toBase64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const fromBase64 = (b64: string) => new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));

/** The `encrypted_content` carrying this reasoning, or undefined when there is nothing to carry. */
export function encodeReasoning(thinkingBlocks: readonly ThinkingBlock[], toolSignatures: Readonly<Record<string, string>>): string | undefined {
  const carried: CarriedReasoning = {
    ...(thinkingBlocks.length > 0 ? { thinking_blocks: [...thinkingBlocks] } : {}),
    ...(Object.keys(toolSignatures).length > 0 ? { tool_signatures: { ...toolSignatures } } : {}),
  };
  return Object.keys(carried).length > 0 ? PREFIX + toBase64(JSON.stringify(carried)) : undefined;
}

/** What a client's `encrypted_content` carries, or null when it is not the router's (or was altered). */
export function decodeReasoning(encrypted: string | null | undefined): CarriedReasoning | null {
  if (!encrypted?.startsWith(PREFIX)) return null;
  let text: string;
  try {
    text = fromBase64(encrypted.slice(PREFIX.length));
  } catch {
    return null;
  }
  const parsed = carriedSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

/**
 * The request for a route that speaks the Responses API natively (OpenAI),
 * without the reasoning items this router made for another provider's
 * route: only the router can read what they carry, and OpenAI refuses an
 * encrypted_content it did not make, as the translated routes drop OpenAI's.
 */
export function withoutCarriedReasoning<T extends { input: string | readonly { type: string; encrypted_content?: string | null }[] }>(request: T): T {
  if (typeof request.input === "string") return request;
  const input = request.input.filter((item) => item.type !== "reasoning" || decodeReasoning(item.encrypted_content) === null);
  return input.length === request.input.length ? request : { ...request, input };
}
