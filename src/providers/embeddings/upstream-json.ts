/**
 * One embeddings request upstream and its JSON answer: the shared upstream
 * pieces (postUpstream, readUpstreamBody, the error mapping passed in) with
 * the answer validated against the provider's shape, so a 200 that is not
 * one (a proxy's page, a changed API) is a 502 rather than a crash.
 */
import type { z } from "zod";
import type { ApiError } from "../../shared/errors";
import { errors } from "../../shared/errors";
import type { ProviderConfig } from "../types";
import { postUpstream, readUpstreamBody } from "../upstream";

export interface EmbedRequest<S extends z.ZodType> {
  config: ProviderConfig;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  label: string;
  clientSignal: AbortSignal;
  schema: S;
  toError(res: Response): Promise<ApiError>;
}

export async function postForJson<S extends z.ZodType>(req: EmbedRequest<S>): Promise<{ json: z.infer<S>; firstByteAt: number }> {
  const res = await postUpstream({ config: req.config, path: req.path, headers: { ...req.headers, accept: "application/json" }, body: req.body, clientSignal: req.clientSignal });
  if (!res.ok) throw await req.toError(res);
  const firstByteAt = Date.now();
  const text = await readUpstreamBody(res, req.label, req.clientSignal);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw errors.upstream(`The ${req.label} API returned a response that is not JSON.`, "upstream_invalid_response");
  }
  const parsed = req.schema.safeParse(json);
  if (!parsed.success) throw errors.upstream(`The ${req.label} API returned an unexpected response.`, "upstream_invalid_response");
  return { json: parsed.data, firstByteAt };
}

/** An answer without exactly one vector per input: the route's failure (502), not a partial answer. */
export const notOnePerInput = (label: string) => errors.upstream(`The ${label} API did not return one embedding per input.`, "upstream_invalid_response");

/**
 * Runs `task` on consecutive slices of `items` of at most `size`, at most
 * `parallel` at once, and concatenates the results in order. A provider that
 * takes fewer texts per request than a client sent gets several requests; no
 * new one starts once one has failed.
 */
export async function inSlices<T, R>(items: readonly T[], size: number, parallel: number, task: (slice: readonly T[]) => Promise<R[]>): Promise<R[]> {
  const slices: (readonly T[])[] = [];
  for (let i = 0; i < items.length; i += size) slices.push(items.slice(i, i + size));
  const results: R[][] = new Array(slices.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < slices.length) {
      const i = next++;
      try {
        results[i] = await task(slices[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, slices.length) }, worker));
  return results.flat();
}
