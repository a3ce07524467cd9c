/**
 * GET /openapi.json lists exactly the routes the app serves (plus the ones
 * listed as pending), and the shapes it promises are the ones real responses
 * have; GET /docs renders it from same-origin assets under a strict CSP.
 * (The document's validity against the OpenAPI 3.1 schema is checked in
 * test/node/openapi.test.ts: the validator reads its schemas from disk.)
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { app } from "../src/router/app";
import { anthropicErrorSchema, openAIErrorSchema } from "../src/router/openapi/components";
import { PENDING_ROUTES } from "../src/router/openapi/pending";
import { accountSchema, catalogueSchema, consentSchema, createdApiKeySchema, healthSchema, modelListSchema, modelSchema, usageSchema } from "../src/router/openapi/schemas";
import { admin, call, newCustomer } from "./helpers/router";

interface Document {
  paths: Record<string, Record<string, unknown>>;
}

async function fetchDocument(): Promise<{ res: Response; doc: Document }> {
  const res = await call("/openapi.json");
  return { res, doc: (await res.clone().json()) as Document };
}

/** Hono's `/v1/models/:id{.+}` as OpenAPI writes it, `/v1/models/{id}`. */
const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "{$1}").replace(/(.)\/$/, "$1");

function servedOperations(): Set<string> {
  // Middleware is registered for every method ("ALL"); only handlers are operations.
  return new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${openApiPath(r.path)}`));
}

function documentedOperations(doc: Document): Set<string> {
  return new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
}

async function parsed<T extends z.ZodType>(res: Response, schema: T, status: number): Promise<z.infer<T>> {
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  const result = schema.safeParse(body);
  expect(result.error?.issues ?? [], JSON.stringify(body).slice(0, 500)).toEqual([]);
  return result.data as z.infer<T>;
}

describe("GET /openapi.json", () => {
  it("is public, JSON and cacheable", async () => {
    const { res, doc } = await fetchDocument();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(doc).toMatchObject({ openapi: "3.1.0", info: { title: "Emby Router API" } });
  });

  it("documents every route the app serves", async () => {
    const { doc } = await fetchDocument();
    const documented = documentedOperations(doc);
    const undocumented = [...servedOperations()].filter((op) => !documented.has(op));
    expect(undocumented).toEqual([]);
  });

  it("documents no route the app does not serve, except those listed as pending, and no pending one the app serves", async () => {
    const { doc } = await fetchDocument();
    const served = servedOperations();
    const unserved = [...documentedOperations(doc)].filter((op) => !served.has(op));
    expect(unserved.sort()).toEqual([...PENDING_ROUTES].sort());
  });

  it("describes request bodies with the schemas the routes validate with", async () => {
    const { doc } = await fetchDocument();
    const body = (path: string, method: string) =>
      (doc.paths[path]?.[method] as { requestBody: { content: { "application/json": { schema: { required?: string[]; additionalProperties?: unknown } } } } })
        .requestBody.content["application/json"].schema;
    expect(body("/v1/chat/completions", "post")).toMatchObject({ required: ["model", "messages"], additionalProperties: false });
    expect(body("/v1/messages", "post")).toMatchObject({ required: ["model", "messages", "max_tokens"], additionalProperties: false });
    expect(body("/admin/v1/accounts", "post")).toMatchObject({ required: ["email", "name", "tier"], additionalProperties: false });
  });
});

describe("response shapes in the document match real responses", () => {
  it("account, key, consent, models, usage, catalogue and health", async () => {
    const account = await parsed(
      await admin("POST", "/accounts", { email: `shape-${crypto.randomUUID().slice(0, 8)}@example.com`, name: "Shape", tier: "pro" }),
      accountSchema,
      201,
    );
    const key = await parsed(await admin("POST", `/accounts/${account.id}/keys`, { name: "k" }), createdApiKeySchema, 201);
    const auth = { authorization: `Bearer ${key.key}` };
    await parsed(await call("/v1/account/consent", { headers: auth }), consentSchema, 200);
    const models = await parsed(await call("/v1/models", { headers: auth }), modelListSchema, 200);
    await parsed(await call(`/v1/models/${models.data[0]!.id}`, { headers: auth }), modelSchema, 200);
    await parsed(await call("/v1/usage", { headers: auth }), usageSchema, 200);
    await parsed(await admin("GET", "/catalogue"), catalogueSchema, 200);
    await parsed(await call("/health"), healthSchema, 200);
  });

  it("both error formats", async () => {
    const { key } = await newCustomer();
    await parsed(await call("/v1/models"), openAIErrorSchema, 401);
    const messages = await call("/v1/messages", { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: "{}" });
    await parsed(messages, anthropicErrorSchema, 400);
  });
});

describe("GET /docs", () => {
  it("serves HTML under a same-origin CSP, with no inline script or style", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("serves the script and stylesheet it references itself, with no third-party URL in them", async () => {
    const html = await (await call("/docs")).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.sort()).toEqual(["/docs/docs.css", "/docs/docs.js"]);
    for (const path of assets) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(path.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      expect(await res.text()).not.toMatch(/https?:\/\//);
    }
  });
});
