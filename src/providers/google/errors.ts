/**
 * Gemini error bodies: `{"error": {"code", "message", "status", "details"}}`.
 * The shared upstreamError maps statuses; the one Gemini quirk handled here is
 * that a bad API key comes back as 400 INVALID_ARGUMENT (reason API_KEY_INVALID),
 * which is the router's credential failing, not the client's request; the other
 * is that a 429 says when to retry in the body.
 */
import { z } from "zod";
import { ApiError, errors } from "../../shared/errors";
import { inStreamError } from "../stream-failure";
import { durationSeconds, readErrorBody, upstreamError } from "../upstream";
import { LABEL } from "./request";

const geminiErrorSchema = z
  .object({
    error: z
      .object({
        code: z.number().optional(),
        status: z.string().optional(),
        details: z.array(z.object({ reason: z.string().optional(), retryDelay: z.string().optional() }).loose()).optional(),
      })
      .loose(),
  })
  .loose();

type GeminiErrorDetails = NonNullable<z.infer<typeof geminiErrorSchema>["error"]["details"]>;

function errorDetails(text: string): GeminiErrorDetails {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = geminiErrorSchema.safeParse(json);
  return parsed.success ? (parsed.data.error.details ?? []) : [];
}

/** google.rpc.RetryInfo's retryDelay, a protobuf Duration in JSON ("27s", "1.5s"), in whole seconds. */
function retryDelaySeconds(details: GeminiErrorDetails): number | null {
  for (const d of details) {
    const seconds = durationSeconds(d.retryDelay ?? null);
    if (seconds !== null) return Math.ceil(seconds);
  }
  return null;
}

/**
 * Gemini states when to retry a 429 in the body (RetryInfo), not in a
 * Retry-After header: it is moved into one, so the shared mapping passes it on.
 */
export async function geminiError(res: Response, clientSignal?: AbortSignal, label = LABEL): Promise<ApiError> {
  const text = await readErrorBody(res, label, clientSignal);
  const details = errorDetails(text);
  if (details.some((d) => d.reason === "API_KEY_INVALID")) return errors.upstream(`The ${label} API rejected the router's credentials.`, "upstream_auth_error");
  const headers = new Headers(res.headers);
  const delay = retryDelaySeconds(details);
  if (delay !== null && !headers.has("retry-after")) headers.set("retry-after", String(delay));
  return upstreamError(new Response(text, { status: res.status, headers }), label);
}

export const invalidResponse = () => errors.upstream(`The ${LABEL} API returned an unexpected response.`, "upstream_invalid_response");

/**
 * An error body inside a 200 stream (see ../stream-failure.ts), classified by
 * its status (UNAVAILABLE, RESOURCE_EXHAUSTED: busy), with RetryInfo's delay
 * as the hint; null when the event is not an error.
 */
export function geminiStreamError(json: unknown): ApiError | null {
  if (typeof json !== "object" || json === null || !("error" in json)) return null;
  const parsed = geminiErrorSchema.safeParse(json);
  if (!parsed.success) return null;
  const { status, code, details } = parsed.data.error;
  return inStreamError(LABEL, status ?? String(code ?? "error"), retryDelaySeconds(details ?? []));
}
