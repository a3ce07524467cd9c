/**
 * An operator's catalogue document, `{"models": [...]}`: every model in the
 * spec shape of src/providers/model-spec.ts. The same validation guards the
 * operator API (a 400 naming the field) and every load from D1 (a document
 * that no longer validates, say after a deploy removed an endpoint, is never
 * served), so a Catalogue built here cannot make toModelEntry throw.
 */
import { z } from "zod";
import { EMBEDDERS } from "../providers/embeddings/registry";
import { findEndpoint } from "../providers/endpoints";
import { modelSpecSchema, toModelEntry } from "../providers/model-spec";
import type { ModelEntry } from "../providers/types";
import { buildCatalogue, type Catalogue } from "./catalogue";

/** Models in one document: several times the seed, far below what a request could carry. */
export const MAX_CATALOGUE_MODELS = 500;
/**
 * Largest document stored, in UTF-8 bytes: under D1's largest string or row
 * (1,000,000 bytes in Cloudflare's "D1 limits" page; newer pages say 2 MB).
 */
export const MAX_DOCUMENT_BYTES = 900_000;

export const catalogueDocumentSchema = z
  .object({ models: z.array(modelSpecSchema).min(1).max(MAX_CATALOGUE_MODELS) })
  .strict()
  .superRefine((doc, ctx) => {
    // toModelEntry's rules, each reported at the field that breaks it. This
    // also runs when a field inside failed a refinement (an unknown endpoint),
    // so nothing here assumes the endpoint exists.
    const ids = new Set<string>();
    doc.models.forEach((model, i) => {
      if (ids.has(model.id)) ctx.addIssue({ code: "custom", message: `duplicate model id '${model.id}'`, path: ["models", i, "id"] });
      ids.add(model.id);
      const routes = new Set<string>();
      /** The first route outside the EU, once one is seen. */
      let firstNonEu: number | null = null;
      model.routes.forEach((route, j) => {
        const endpoint = findEndpoint(route.endpoint);
        if (endpoint && route.region === "eu" && endpoint.region !== "eu") {
          const message = `endpoint '${endpoint.id}' processes requests in '${endpoint.region}'; a route on it cannot claim 'eu'`;
          ctx.addIssue({ code: "custom", message, path: ["models", i, "routes", j, "region"] });
        }
        // EU first: the router tries routes in order, so an EU-hosted route
        // listed after another would send traffic out of the EU while an EU
        // route could serve it.
        const region = route.region ?? endpoint?.region;
        if (region !== "eu") firstNonEu ??= j;
        else if (firstNonEu !== null) {
          const message = `EU-hosted routes come first: this 'eu' route is listed after routes[${firstNonEu}], which runs outside the EU; move it before`;
          ctx.addIssue({ code: "custom", message, path: ["models", i, "routes", j, "region"] });
        }
        // An embedding model only on an endpoint whose format has an embeddings API (not Anthropic's, not Claude on Vertex).
        if (model.embedding && endpoint && (!EMBEDDERS[endpoint.wire] || (endpoint.wire === "vertex" && !route.upstreamModel.startsWith("google/")))) {
          ctx.addIssue({ code: "custom", message: `endpoint '${endpoint.id}' serves no embeddings for this model`, path: ["models", i, "routes", j, "endpoint"] });
        }
        const key = `${route.endpoint}:${route.upstreamModel}`;
        if (routes.has(key)) ctx.addIssue({ code: "custom", message: `duplicate route ${key}`, path: ["models", i, "routes", j, "upstreamModel"] });
        routes.add(key);
      });
    });
  });

export type CatalogueDocument = z.output<typeof catalogueDocumentSchema>;

export function catalogueFromDocument(version: number, doc: CatalogueDocument): Catalogue {
  return buildCatalogue(version, doc.models.map(toModelEntry));
}

/** The document's size as D1 stores it. */
export function documentBytes(doc: CatalogueDocument): number {
  return new TextEncoder().encode(JSON.stringify(doc)).byteLength;
}

/** JSON with keys sorted, so that two equal models compare equal whatever order their fields came in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** Which model ids a change adds, changes (any field of the model or its routes) and removes: what the audit log records. */
export function catalogueDiff(before: readonly ModelEntry[], after: readonly ModelEntry[]): { added: string[]; changed: string[]; removed: string[] } {
  const old = new Map(before.map((m) => [m.id, canonical(m)]));
  const now = new Set(after.map((m) => m.id));
  const added: string[] = [];
  const changed: string[] = [];
  for (const m of after) {
    const was = old.get(m.id);
    if (was === undefined) added.push(m.id);
    else if (was !== canonical(m)) changed.push(m.id);
  }
  return { added, changed, removed: before.filter((m) => !now.has(m.id)).map((m) => m.id) };
}
