/**
 * Gemini error bodies: `{"error": {"code", "message", "status", "details"}}`.
 * The shared upstreamError maps statuses; the one Gemini quirk handled here is
 * that a bad API key comes back as 400 INVALID_ARGUMENT (reason API_KEY_INVALID),
 * which is the router's credential failing, not the client's request.
 */
import { z } from "zod";
import { ApiError, errors } from "../../shared/errors";
import { upstreamError } from "../upstream";
import { LABEL } from "./request";

const MAX_ERROR_BODY = 64 * 1024;

const geminiErrorSchema = z
  .object({
    error: z
      .object({
        status: z.string().optional(),
        details: z.array(z.object({ reason: z.string().optional() }).loose()).optional(),
      })
      .loose(),
  })
  .loose();

function isKeyRejection(text: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return false;
  }
  const parsed = geminiErrorSchema.safeParse(json);
  return parsed.success && (parsed.data.error.details ?? []).some((d) => d.reason === "API_KEY_INVALID");
}

export async function geminiError(res: Response): Promise<ApiError> {
  const text = (await res.text()).slice(0, MAX_ERROR_BODY);
  if (isKeyRejection(text)) return errors.upstream(`The ${LABEL} API rejected the router's credentials.`, "upstream_auth_error");
  return upstreamError(new Response(text, { status: res.status, headers: res.headers }), LABEL);
}

export const invalidResponse = () => errors.upstream(`The ${LABEL} API returned an unexpected response.`, "upstream_invalid_response");
