/**
 * The operator's catalogue API, called on the router module this test file
 * imports (so the store a PUT publishes to is the one later requests read),
 * and a spec document to edit.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ModelSpec } from "../../src/providers/model-spec";
import worker from "../../src/router/index";
import { ADMIN_TOKEN } from "./router";

export interface CatalogueView {
  object: "catalogue";
  version: number;
  source: "seed" | "operator";
  comment: string | null;
  models: ModelSpec[];
  error: { param: string | null; message: string } | null;
}

/** Calls the router in this module with `overrides` on top of the test env; waits for its waitUntil work. */
export async function direct(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://router.test${path}`, init), { ...env, ...overrides }, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null, headers: res.headers };
}

export function catalogueApi(method: string, path = "", body?: unknown) {
  return direct(`/admin/v1/catalogue${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function currentView(): Promise<CatalogueView> {
  const res = await catalogueApi("GET");
  if (res.status !== 200) throw new Error(`GET catalogue: ${res.status}`);
  return res.json as CatalogueView;
}

/** A deep copy of the document in force, to edit. */
export async function editable(): Promise<{ version: number; models: ModelSpec[] }> {
  const view = await currentView();
  return { version: view.version, models: structuredClone(view.models) };
}

export function modelIndex(models: readonly ModelSpec[], id: string): number {
  const i = models.findIndex((m) => m.id === id);
  if (i < 0) throw new Error(`no model ${id}`);
  return i;
}

/** A Mistral model served by the EU endpoint only, under an id the seed does not have. */
export function extraModel(id = "mistral/operator-test-model"): ModelSpec {
  return {
    id,
    provider: "mistral",
    name: "Operator test model",
    contextLength: 32_000,
    maxOutputTokens: 4_000,
    routes: [{ endpoint: "mistral-eu", upstreamModel: "operator-test-upstream", region: "eu", pricing: { prompt: 1, completion: 2 } }],
  };
}
