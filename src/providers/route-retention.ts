/**
 * What the provider keeps on a route, as this router is configured:
 * 1. the route's own `retention` in the catalogue (an operator who publishes
 *    a catalogue says it per model, e.g. a model excluded from ZDR);
 * 2. else the operator's statement for the route's endpoint in
 *    PROVIDER_RETENTION, a JSON object keyed by endpoint id, e.g.
 *    `{"openai-eu": {"zdr": true, "days": 0, "purposes": [], "source": "our ZDR addendum of 2026-10-01"}}`,
 *    for what the operator's contract with the provider says;
 * 3. else the provider's standard terms (retention.ts).
 * PROVIDER_RETENTION is read once per env (one per isolate); a value that
 * does not validate is reported once on the console, naming the field but
 * never the value, and ignored as a whole: half an operator's statement is
 * not one.
 */
import { z } from "zod";
import { ENDPOINT_IDS, findEndpoint, type EndpointDef } from "./endpoints";
import { retentionSchema } from "./retention";
import type { Retention, Route } from "./types";

const providerRetentionSchema = z.record(z.string(), retentionSchema).superRefine((value, ctx) => {
  for (const id of Object.keys(value)) {
    if (!findEndpoint(id)) ctx.addIssue({ code: "custom", path: [id], message: `unknown endpoint; known: ${ENDPOINT_IDS.join(", ")}` });
  }
});

type Overrides = ReadonlyMap<string, Retention>;

const parsed = new WeakMap<object, Overrides>();

function parseOverrides(value: string | undefined): Overrides {
  if (!value?.trim()) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    console.error("PROVIDER_RETENTION ignored: it is not JSON");
    return new Map();
  }
  const result = providerRetentionSchema.safeParse(json);
  if (!result.success) {
    const where = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    console.error(`PROVIDER_RETENTION ignored: ${where}`);
    return new Map();
  }
  return new Map(Object.entries(result.data));
}

/** The operator's statements from PROVIDER_RETENTION, by endpoint id. */
function providerRetention(env: Env): Overrides {
  let overrides = parsed.get(env);
  if (!overrides) parsed.set(env, (overrides = parseOverrides(env.PROVIDER_RETENTION)));
  return overrides;
}

/** Where a route's retention statement comes from, for /v1/models. */
export type RetentionOrigin = "catalogue" | "operator" | "provider_terms";

export function retentionOf(route: Route, env: Env): Retention & { origin: RetentionOrigin } {
  if (route.retention) return { ...route.retention, origin: "catalogue" };
  const endpoint = findEndpoint(route.endpoint);
  // The catalogue's validation admits known endpoints only.
  if (!endpoint) throw new Error(`route on unknown endpoint '${route.endpoint}'`);
  return endpointRetention(endpoint, env);
}

/** What the provider keeps on an endpoint's routes that say nothing of their own (the privacy data map's recipients). */
export function endpointRetention(endpoint: EndpointDef, env: Env): Retention & { origin: RetentionOrigin } {
  const override = providerRetention(env).get(endpoint.id);
  if (override) return { ...override, origin: "operator" };
  return { ...endpoint.retention, origin: "provider_terms" };
}
