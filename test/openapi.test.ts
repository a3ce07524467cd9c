/**
 * GET /openapi.json lists exactly the routes the app serves, and the shapes
 * it promises are the ones real responses have; GET /docs renders it from same-origin assets under a strict CSP.
 * (The document's validity against the OpenAPI 3.1 schema is checked in
 * test/node/openapi.test.ts: the validator reads its schemas from disk.)
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { ACCOUNT_WARNING_HEADER } from "../src/router/account-warning";
import { app } from "../src/router/app";
import { anthropicErrorSchema, openAIErrorSchema } from "../src/router/openapi/components";
import { accountSchema, apiKeySchema, catalogueSchema, consentSchema, createdApiKeySchema, healthSchema, modelListSchema, modelSchema, usageSchema } from "../src/router/openapi/schemas";
import {
  accountExportSchema,
  accountProfileSchema,
  apiKeyListSchema,
  auditLogListSchema,
  closureSchema,
  communicationSchema,
  erasureSchema,
  privacyMapSchema,
  reapplySchema,
  restrictionSchema,
  secretScanningFeedbackSchema,
} from "../src/router/openapi/self-service-schemas";
import { KEY_ROTATION_DUE_HEADER, KEY_ROTATION_DUE_MS } from "../src/shared/key-rotation";
import { admin, call, newCustomer } from "./helpers/router";

interface Operation {
  security?: unknown[];
  requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  parameters?: { name: string; in: string; required?: boolean }[];
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, unknown> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
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

  it("documents no route the app does not serve", async () => {
    const { doc } = await fetchDocument();
    const served = servedOperations();
    const unserved = [...documentedOperations(doc)].filter((op) => !served.has(op));
    expect(unserved).toEqual([]);
  });

  it("describes request bodies with the schemas the routes validate with", async () => {
    const { doc } = await fetchDocument();
    const body = (path: string, method: string) =>
      doc.paths[path]?.[method]?.requestBody?.content["application/json"].schema;
    expect(body("/v1/chat/completions", "post")).toMatchObject({ required: ["model", "messages"], additionalProperties: false });
    expect(body("/v1/messages", "post")).toMatchObject({ required: ["model", "messages", "max_tokens"], additionalProperties: false });
    expect(body("/admin/v1/accounts", "post")).toMatchObject({ required: ["email", "name", "tier"], additionalProperties: false });
    expect(body("/v1/keys", "post")).toMatchObject({ additionalProperties: false });
    expect(body("/v1/account", "patch")).toMatchObject({ additionalProperties: false });
    expect(body("/admin/v1/erasures", "post")).toMatchObject({ required: ["account_id"] });
    expect(body("/v1/secret-scanning/report", "post")).toMatchObject({ type: "array", minItems: 1 });
  });

  it("documents query parameters, GitHub's signature headers, public operations and the export's two formats", async () => {
    const { doc } = await fetchDocument();
    const params = (path: string, method: string) => (doc.paths[path]![method]!.parameters ?? []).map((p) => `${p.in}:${p.name}${p.required ? "!" : ""}`);
    expect(params("/v1/account", "delete")).toEqual(["query:erase"]);
    expect(params("/v1/account/export", "get")).toEqual(["query:format"]);
    expect(params("/v1/audit-log", "get").sort()).toEqual(["query:after", "query:limit", "query:starting_after"]);
    expect(params("/v1/secret-scanning/report", "post").sort()).toEqual(["header:github-public-key-identifier!", "header:github-public-key-signature!"]);
    expect(doc.paths["/v1/secret-scanning/report"]!.post!.security).toEqual([]);
    expect(doc.paths["/v1/privacy"]!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths["/v1/account/export"]!.get!.responses["200"]!.content ?? {}).sort()).toEqual(["application/json", "application/zip"]);
    for (const [path, method] of [["/v1/keys", "get"], ["/v1/account", "get"], ["/v1/models", "get"], ["/v1/chat/completions", "post"]] as const) {
      expect(Object.keys(doc.paths[path]![method]!.responses["200"]!.headers ?? {}), `${method} ${path}`).toEqual(
        expect.arrayContaining([KEY_ROTATION_DUE_HEADER, ACCOUNT_WARNING_HEADER]),
      );
    }
  });
});

describe("response shapes in the document match real responses", () => {
  afterEach(() => vi.useRealTimers());

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

  it("keys: list, create, read, change, rotate, revoke", async () => {
    const { key } = await newCustomer();
    const keys = (method: string, path = "", body?: unknown) =>
      call(`/v1/keys${path}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const created = await parsed(await keys("POST", "", { name: "shape", scopes: ["inference"] }), createdApiKeySchema, 201);
    await parsed(await keys("GET"), apiKeyListSchema, 200);
    await parsed(await keys("GET", `/${created.id}`), apiKeySchema, 200);
    await parsed(await keys("PATCH", `/${created.id}`, { name: "renamed" }), apiKeySchema, 200);
    const rotated = await parsed(await keys("POST", `/${created.id}/rotate`, { grace_period_seconds: 0 }), createdApiKeySchema, 201);
    await parsed(await keys("DELETE", `/${rotated.id}`), apiKeySchema, 200);
  });

  it("account: profile, rectification, restriction, communication, audit log, export, closure and erasure", async () => {
    const { key } = await newCustomer();
    const send = (method: string, path: string, body?: unknown) =>
      call(path, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    await parsed(await send("GET", "/v1/account"), accountProfileSchema, 200);
    const corrected = await parsed(await send("PATCH", "/v1/account", { company: "Shape GmbH", email: `new-${crypto.randomUUID().slice(0, 8)}@example.com` }), accountProfileSchema, 200);
    expect(corrected.pending_email).not.toBeNull();
    await parsed(await send("PUT", "/v1/account/restriction", { restricted: true }), restrictionSchema, 200);
    await parsed(await send("GET", "/v1/account/restriction"), restrictionSchema, 200);
    await parsed(await send("PUT", "/v1/account/communication", { product_updates: true }), communicationSchema, 200);
    await parsed(await send("GET", "/v1/account/communication"), communicationSchema, 200);
    const audit = await parsed(await send("GET", "/v1/audit-log?limit=2"), auditLogListSchema, 200);
    expect(audit.data.length).toBe(2);
    const exported = await send("GET", "/v1/account/export?format=json");
    expect(exported.headers.get("content-type")).toContain("application/json");
    await parsed(exported, accountExportSchema, 200);
    const zip = await send("GET", "/v1/account/export?format=csv");
    expect(zip.headers.get("content-type")).toBe("application/zip");
    await zip.arrayBuffer();
    await parsed(await send("DELETE", "/v1/account"), closureSchema, 200);

    const other = await newCustomer();
    const erased = await call("/v1/account?erase=now", { method: "DELETE", headers: { authorization: `Bearer ${other.key}` } });
    await parsed(erased, erasureSchema, 200);
  });

  it("privacy map, secret-scanning feedback, operator erasure and re-apply", async () => {
    await parsed(await call("/v1/privacy"), privacyMapSchema, 200);
    const { key, accountId } = await newCustomer();
    const body = JSON.stringify([{ token: key, type: "emby_api_key", url: "", source: "commit" }, { token: "not-ours", type: "emby_api_key" }]);
    const signed = (await (await fetch(`${env.FAKE_UPSTREAM_URL}/github/__sign?key=current`, { method: "POST", body })).json()) as { key_identifier: string; signature: string };
    const report = await call("/v1/secret-scanning/report", {
      method: "POST",
      headers: { "content-type": "application/json", "github-public-key-identifier": signed.key_identifier, "github-public-key-signature": signed.signature },
      body,
    });
    const feedback = await parsed(report, secretScanningFeedbackSchema, 200);
    expect(feedback.map((f) => f.label)).toEqual(["true_positive", "false_positive"]);
    await parsed(await admin("POST", "/erasures", { account_id: accountId }), erasureSchema, 200);
    await parsed(await admin("POST", "/erasures/reapply", {}), reapplySchema, 200);
  });

  it("the rotation header the document promises is the one an old key's answers carry", async () => {
    const { key } = await newCustomer();
    vi.setSystemTime(Date.now() + KEY_ROTATION_DUE_MS + 60_000);
    const res = await call("/v1/keys", { headers: { authorization: `Bearer ${key}` } });
    expect(res.headers.get(KEY_ROTATION_DUE_HEADER)).toMatch(/^\d{4}-\d\d-\d\dT/);
    const list = await parsed(res, apiKeyListSchema, 200);
    expect(list.data.every((k) => k.rotation_due)).toBe(true);
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
