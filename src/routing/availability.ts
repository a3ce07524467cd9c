/**
 * Which routes this router can serve as configured (a route whose endpoint
 * lacks its base URL, credential or route setting is skipped by the planner),
 * for what the router tells clients: /v1/models and the consent error's list
 * of models that run in the EU. A catalogue never changes once built and an
 * env lives as long as its isolate, so each answer is computed once per pair.
 */
import { endpointConfig, findEndpoint } from "../providers/endpoints";
import type { Route } from "../providers/types";
import type { Catalogue } from "./catalogue";

/** Whether the planner would find this route's endpoint configured (the timeout plays no part in that). */
export function routeAvailable(route: Route, env: Env): boolean {
  const endpoint = findEndpoint(route.endpoint);
  return endpoint !== undefined && endpointConfig(endpoint, env, route, 1) !== null;
}

const euIds = new WeakMap<Catalogue, WeakMap<object, string[]>>();

/** Ids of the models with an EU-hosted route this router serves: what an account without consent can use. */
export function configuredEuModelIds(catalogue: Catalogue, env: Env): string[] {
  let byEnv = euIds.get(catalogue);
  if (!byEnv) euIds.set(catalogue, (byEnv = new WeakMap()));
  let ids = byEnv.get(env);
  if (!ids) {
    ids = catalogue.models.filter((m) => m.routes.some((r) => r.region === "eu" && routeAvailable(r, env))).map((m) => m.id);
    byEnv.set(env, ids);
  }
  return ids;
}
