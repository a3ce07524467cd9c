/**
 * Vertex AI publisher models, as Google's and Anthropic's documentation
 * describe them, after the endpoint label (`/vertex-eu/v1/...`):
 * - `/v1/projects/{p}/locations/{loc}/publishers/google/models/{m}:generateContent`
 *   and `:streamGenerateContent?alt=sse`: Gemini's body and answers
 *   (gemini-format.ts);
 * - `.../publishers/anthropic/models/{m}:rawPredict` and `:streamRawPredict`:
 *   Anthropic's Messages body without `model` (the URL names it) and with
 *   `anthropic_version: "vertex-2023-10-16"`, betas in `anthropic_beta`;
 *   Anthropic's answers and stream events (anthropic-format.ts);
 * - `.../publishers/google/models/{m}:predict`: Google's embedding models
 *   (embeddings-format.ts).
 * Every call needs an OAuth access token (`Authorization: Bearer`) the
 * fake's token endpoint issued; anything else is Google's 401.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerMessages, sendError } from "./anthropic-format.ts";
import { handleVertexPredict } from "./embeddings-format.ts";
import { answerGemini, geminiError, sendJson } from "./gemini-format.ts";
import { validAccessToken } from "./google-oauth.ts";
import type { Scenario } from "./scenario.ts";
import type { FakeContext } from "./server.ts";

/** The path after the endpoint label: project, location, publisher, model and method. */
export const VERTEX_PATH = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/(google|anthropic)\/models\/([^/:]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict|predict)$/;

const VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

/** Google's answer to a missing or unknown token (google.rpc.Status, code 16). */
const UNAUTHENTICATED = {
  error: {
    code: 401,
    message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
    status: "UNAUTHENTICATED",
  },
};

/** Why Vertex would refuse this Claude body (before Claude reads it), or null. */
function claudeBodyProblem(body: Record<string, unknown>): string | null {
  if ("model" in body) return "model: Extra inputs are not permitted";
  if (body.anthropic_version === undefined) return "anthropic_version: Field required";
  if (body.anthropic_version !== VERTEX_ANTHROPIC_VERSION) return `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`;
  const betas = body.anthropic_beta;
  if (betas !== undefined && !(Array.isArray(betas) && betas.every((b) => typeof b === "string"))) return "anthropic_beta: Input should be a valid list of strings";
  return null;
}

/** Handles a Vertex path; `rest` is the path after the endpoint label. */
export async function handleVertex(req: IncomingMessage, res: ServerResponse, raw: unknown, scenario: Scenario, ctx: FakeContext, url: URL, rest: string): Promise<void> {
  if (!validAccessToken(req.headers.authorization)) return sendJson(res, 401, UNAUTHENTICATED);
  const [, publisher, encodedModel, method] = VERTEX_PATH.exec(rest) ?? [];
  const claudeMethod = method === "rawPredict" || method === "streamRawPredict";
  if ((publisher === "google") === claudeMethod) return sendJson(res, 404, geminiError(404, `Method ${method} is not served for publisher ${publisher}.`));
  if (publisher === "google" && method === "predict") return handleVertexPredict(req, res, raw as Record<string, unknown>, scenario, decodeURIComponent(encodedModel!));
  if (publisher === "google") return void (await answerGemini(req, res, raw as Parameters<typeof answerGemini>[2], scenario, ctx, url));
  const body = (raw ?? {}) as Record<string, unknown>;
  const problem = claudeBodyProblem(body);
  if (problem) return sendError(res, 400, problem);
  const { anthropic_version: _version, anthropic_beta: betas, ...messages } = body;
  const model = decodeURIComponent(encodedModel!);
  return answerMessages(req, res, { ...messages, model }, scenario, ctx, { version: "2023-06-01", betas: (betas as string[] | undefined) ?? [] });
}
