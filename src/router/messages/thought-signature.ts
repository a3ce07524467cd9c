/**
 * Gemini thought signatures in the Anthropic format. Gemini 3 signs the first
 * function call of each step and rejects the next request when that call comes
 * back without its signature. The OpenAI format carries it in
 * `tool_calls[].extra_content.google.thought_signature`; the Anthropic format
 * has no such field, but it has signed `thinking` blocks, which Anthropic
 * clients already keep and send back unchanged with the tool_use they precede
 * (Anthropic requires that for its own tool use). So a signature travels as an
 * empty thinking block right before its tool_use block, its `signature` marked
 * with a prefix that no Anthropic signature has (theirs are plain base64).
 */
const PREFIX = "google-thought-signature:";

/** The thinking block that carries a Gemini signature in an Anthropic message. */
export function signatureBlock(signature: string) {
  return { type: "thinking", thinking: "", signature: `${PREFIX}${signature}` } as const;
}

/** The signature field of a streamed carrier block (sent as a signature_delta). */
export function wrapSignature(signature: string): string {
  return `${PREFIX}${signature}`;
}

/** The Gemini signature a thinking block carries, or undefined for a real thinking block. */
export function unwrapSignature(signature: string): string | undefined {
  return signature.startsWith(PREFIX) ? signature.slice(PREFIX.length) : undefined;
}
