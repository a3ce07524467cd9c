/**
 * Azure OpenAI's errors that the shared mapping (../upstream.ts) would
 * misread. Everything else (401, 429 with `retry-after` / `retry-after-ms`,
 * 5xx) is mapped as for OpenAI.
 */
import { z } from "zod";
import { ApiError, errors } from "../../shared/errors";
import { parseEventData } from "../sse-translator";
import { readErrorBody, upstreamError } from "../upstream";

/** One filter category's verdict: `{filtered, severity}` or `{filtered, detected}`; custom blocklists are a list of `{filtered, id}`. */
const verdictSchema = z.object({ filtered: z.boolean().optional(), severity: z.string().optional(), id: z.string().optional() }).loose();
const filterResultSchema = z.record(z.string(), z.union([verdictSchema, z.array(verdictSchema)]));

const azureErrorSchema = z.object({
  error: z
    .object({
      code: z.string().nullish(),
      innererror: z
        .object({
          // Microsoft's content-filter pages show the singular key on a blocked prompt; an older example the plural.
          content_filter_result: filterResultSchema.optional(),
          content_filter_results: filterResultSchema.optional(),
        })
        .loose()
        .optional(),
    })
    .loose(),
});

/** The categories that blocked, e.g. ["hate (high)", "jailbreak", "custom_blocklists (my-list)"]. */
function blockedCategories(result: z.infer<typeof filterResultSchema> | undefined): string[] {
  const out: string[] = [];
  for (const [category, verdict] of Object.entries(result ?? {})) {
    for (const v of Array.isArray(verdict) ? verdict : [verdict]) {
      if (v.filtered !== true) continue;
      if (Array.isArray(verdict)) out.push(v.id ? `${category} (${v.id})` : category);
      else out.push(v.severity && v.severity !== "safe" ? `${category} (${v.severity})` : category);
    }
  }
  return out;
}

/**
 * A prompt the operator's content filter blocked: the client's 400, never
 * tried on another route (the routing loop returns 400s as they are), since
 * another provider would only dodge the filter the operator chose.
 */
export function contentFilterError(label: string, categories: readonly string[]): ApiError {
  const which = categories.length > 0 ? `: ${categories.join(", ")}` : "";
  return errors.invalidRequest(`The provider's content filter (${label}) blocked the prompt${which}. Change the prompt; the request is not retried on another route.`, "messages", "content_filter");
}

export async function azureError(res: Response, label: string, clientSignal: AbortSignal): Promise<ApiError> {
  const text = await readErrorBody(res, label, clientSignal);
  const error = parseEventData(text, azureErrorSchema)?.error;
  if (res.status === 400 && error?.code === "content_filter") {
    const inner = error.innererror;
    return contentFilterError(label, blockedCategories(inner?.content_filter_result ?? inner?.content_filter_results));
  }
  // The operator's deployment list names one the resource does not have: a
  // failure of this route (another may serve the model), not the client's 404.
  if (res.status === 404 && error?.code === "DeploymentNotFound") {
    return errors.upstream(`The ${label} resource has no deployment for this model (check AZURE_OPENAI_EU_DEPLOYMENTS).`, "upstream_deployment_not_found");
  }
  return upstreamError(new Response(text, { status: res.status, headers: res.headers }), label);
}
