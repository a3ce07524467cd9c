/**
 * The `anthropic-beta` values /v1/messages passes on to Anthropic. A beta
 * switches on behaviour of the operator's Anthropic account, so only betas whose
 * effect the router understands, and whose cost shows in the usage it bills
 * from, are accepted; anything else is a 400 that lists these. Betas that reach
 * operator resources (files, MCP servers, skills, code-execution containers) or
 * change the price (1M-token context, fast mode) or the
 * output bound the limiter reserves for (128k/300k output) are not on the list.
 */
import { errors } from "../shared/errors";

export const ALLOWED_ANTHROPIC_BETAS: readonly string[] = [
  // Thinking between tool calls: more thinking blocks, billed as output tokens.
  "interleaved-thinking-2025-05-14",
  // Tool input streamed without buffering: the same tokens, sent sooner.
  "fine-grained-tool-streaming-2025-05-14",
  // Fewer tokens for tool definitions on Claude 3.7; usage reports what was used.
  "token-efficient-tools-2025-02-19",
  // Constrained decoding for `strict` tools and JSON output: ordinary tokens.
  // Generally available now; SDKs written during the beta still send it.
  "structured-outputs-2025-11-13",
  // Former names of features now generally available (prompt caching, PDF input):
  // older SDKs still send them; they change nothing.
  "prompt-caching-2024-07-31",
  "pdfs-2024-09-25",
];

export function betasOf(header: string | undefined): string[] {
  const betas = (header ?? "").split(",").map((b) => b.trim()).filter(Boolean);
  const refused = betas.find((b) => !ALLOWED_ANTHROPIC_BETAS.includes(b));
  if (refused !== undefined) {
    // The value is echoed only when it has the shape of a beta name.
    const name = /^[a-z0-9-]{1,64}$/.test(refused) ? `'${refused}'` : "value";
    throw errors.invalidRequest(
      `anthropic-beta ${name} is not supported by this router; accepted betas: ${ALLOWED_ANTHROPIC_BETAS.join(", ")}.`,
      "anthropic-beta",
      "unsupported_beta",
    );
  }
  return betas;
}
