/**
 * What consent to non-EU transfer changes, from the seed catalogue: which
 * endpoints outside the EU the router may then use, and which models have no
 * EU route at all (without consent they are refused). The console states it
 * next to the consent form, so the customer knows what they agree to.
 */
import { CATALOGUE } from "../providers/catalogue";
import { findEndpoint } from "../providers/endpoints";
import type { DataRegion } from "../providers/types";

export interface TransferScope {
  /** Endpoints outside the EU, by label ("OpenAI", "Anthropic"), with where they process requests. */
  endpoints: { label: string; region: Exclude<DataRegion, "eu"> }[];
  /** Models served only outside the EU. */
  nonEuOnlyModels: string[];
  /** Models with an EU route and a non-EU one: consent adds fallbacks and choices. */
  moreRoutesModels: string[];
}

export function nonEuTransferScope(): TransferScope {
  const endpoints = new Map<string, TransferScope["endpoints"][number]>();
  const nonEuOnlyModels: string[] = [];
  const moreRoutesModels: string[] = [];
  for (const model of CATALOGUE) {
    const outside = model.routes.filter((r) => r.region !== "eu");
    if (outside.length === 0) continue;
    (outside.length === model.routes.length ? nonEuOnlyModels : moreRoutesModels).push(model.id);
    for (const route of outside) {
      const endpoint = findEndpoint(route.endpoint);
      if (endpoint && route.region !== "eu") endpoints.set(endpoint.id, { label: endpoint.label, region: route.region });
    }
  }
  return { endpoints: [...endpoints.values()], nonEuOnlyModels, moreRoutesModels };
}
