/**
 * Every route the router serves, keyed as Hono's route table names it
 * (`${method} ${path}`), with who may call it and concrete requests to probe
 * it with. test/authorization-matrix.test.ts checks this table against
 * `app.routes`, so a new route without an entry here fails that test.
 */

/** Who may call a route: anyone, an `inference` key, a `manage` key, the operator's ADMIN_TOKEN. */
export type Access = "public" | "inference" | "manage" | "admin";

/** One account's objects a probe names. */
export interface Ids {
  accountId: string;
  keyId: string;
  requestId: string;
  auditId: string;
}

export interface Probe {
  path: string;
  /** Sent as JSON. Valid, so a request that got past authorization would really change something. */
  body?: unknown;
}

/** A probe naming another account's object, and the 404 code it must get. */
export interface ForeignProbe extends Probe {
  code: string;
}

export interface RouteEntry {
  access: Access;
  /** Requests naming the caller's own objects. */
  probes: (own: Ids) => Probe[];
  /** Requests naming `other`'s objects: every route that takes an account object's id has some. */
  foreign?: (other: Ids) => ForeignProbe[];
  /** Public routes: the status a request without any credential gets. */
  anonymousStatus?: number;
}

const at = (path: string, body?: unknown) => (): Probe[] => [{ path, body }];

export const ROUTE_MATRIX: Record<string, RouteEntry> = {
  "GET /health": { access: "public", probes: at("/health"), anonymousStatus: 200 },
  "GET /openapi.json": { access: "public", probes: at("/openapi.json"), anonymousStatus: 200 },
  "GET /docs": { access: "public", probes: at("/docs"), anonymousStatus: 200 },
  "GET /docs/docs.js": { access: "public", probes: at("/docs/docs.js"), anonymousStatus: 200 },
  "GET /docs/docs.css": { access: "public", probes: at("/docs/docs.css"), anonymousStatus: 200 },
  "GET /v1/privacy": { access: "public", probes: at("/v1/privacy"), anonymousStatus: 200 },
  // No API key: GitHub's signature is the credential (docs/secret-scanning.md).
  "POST /v1/secret-scanning/report": { access: "public", probes: at("/v1/secret-scanning/report", []), anonymousStatus: 401 },
  // No API key: Stripe's signature is the credential (docs/billing.md); unsigned is a 400.
  "POST /v1/billing/webhook": { access: "public", probes: at("/v1/billing/webhook", {}), anonymousStatus: 400 },

  "POST /v1/chat/completions": {
    access: "inference",
    probes: at("/v1/chat/completions", { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  },
  "POST /v1/messages": {
    access: "inference",
    probes: at("/v1/messages", { model: "openai/gpt-4o-mini", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
  },
  "POST /v1/responses": {
    access: "inference",
    probes: at("/v1/responses", { model: "openai/gpt-4o-mini", input: "hi" }),
  },
  "POST /v1/embeddings": {
    access: "inference",
    probes: at("/v1/embeddings", { model: "mistral/mistral-embed", input: "hi" }),
  },
  "GET /v1/models": { access: "inference", probes: at("/v1/models") },
  // A catalogue id: no account owns it, so there is no other account's one to probe.
  "GET /v1/models/:id{.+}": { access: "inference", probes: at("/v1/models/openai/gpt-4o-mini") },
  "GET /v1/generation": {
    access: "inference",
    probes: (own) => [{ path: `/v1/generation?id=${own.requestId}` }],
    foreign: (other) => [{ path: `/v1/generation?id=${other.requestId}`, code: "generation_not_found" }],
  },
  "GET /v1/usage": { access: "inference", probes: at("/v1/usage") },
  // Any key of the account (inference or manage scope); another account's transaction id as `before`: test/credits-api.test.ts.
  "GET /v1/credits": { access: "inference", probes: at("/v1/credits") },
  // Any key of the account (inference or manage scope): test/cache-controls.test.ts.
  "DELETE /v1/cache": { access: "inference", probes: at("/v1/cache") },

  "GET /v1/account": { access: "manage", probes: at("/v1/account") },
  "GET /v1/account/export": {
    access: "manage",
    probes: () => [{ path: "/v1/account/export?format=json" }, { path: "/v1/account/export?format=csv" }],
  },
  "PATCH /v1/account": { access: "manage", probes: at("/v1/account", { name: "Mallory" }) },
  "DELETE /v1/account": { access: "manage", probes: () => [{ path: "/v1/account" }, { path: "/v1/account?erase=now" }] },
  "GET /v1/account/consent": { access: "manage", probes: at("/v1/account/consent") },
  "PUT /v1/account/consent": { access: "manage", probes: at("/v1/account/consent", { non_eu_transfer: false }) },
  "GET /v1/account/restriction": { access: "manage", probes: at("/v1/account/restriction") },
  "PUT /v1/account/restriction": { access: "manage", probes: at("/v1/account/restriction", { restricted: true }) },
  "GET /v1/account/communication": { access: "manage", probes: at("/v1/account/communication") },
  "PUT /v1/account/communication": { access: "manage", probes: at("/v1/account/communication", { product_updates: true }) },
  "POST /v1/billing/checkout": { access: "manage", probes: at("/v1/billing/checkout", { purpose: "credits", amount_usd: 10 }) },
  // Before any checkout the account has no Stripe customer: 404 no_billing_customer, still past the scope check.
  "POST /v1/billing/portal": { access: "manage", probes: at("/v1/billing/portal", {}) },
  "PUT /v1/credits/notice": { access: "manage", probes: at("/v1/credits/notice", { threshold_usd: 5 }) },
  "GET /v1/keys": { access: "manage", probes: at("/v1/keys") },
  "POST /v1/keys": { access: "manage", probes: at("/v1/keys", { name: "minted" }) },
  "GET /v1/keys/:id": {
    access: "manage",
    probes: (own) => [{ path: `/v1/keys/${own.keyId}` }],
    foreign: (other) => [{ path: `/v1/keys/${other.keyId}`, code: "key_not_found" }],
  },
  "PATCH /v1/keys/:id": {
    access: "manage",
    probes: (own) => [{ path: `/v1/keys/${own.keyId}`, body: { name: "renamed" } }],
    foreign: (other) => [{ path: `/v1/keys/${other.keyId}`, body: { name: "renamed", limits: { rpm: 1 } }, code: "key_not_found" }],
  },
  "DELETE /v1/keys/:id": {
    access: "manage",
    probes: (own) => [{ path: `/v1/keys/${own.keyId}` }],
    foreign: (other) => [{ path: `/v1/keys/${other.keyId}`, code: "key_not_found" }],
  },
  "POST /v1/keys/:id/rotate": {
    access: "manage",
    probes: (own) => [{ path: `/v1/keys/${own.keyId}/rotate`, body: { grace_period_seconds: 0 } }],
    foreign: (other) => [
      { path: `/v1/keys/${other.keyId}/rotate`, body: { grace_period_seconds: 0 }, code: "key_not_found" },
      { path: `/v1/keys/${other.keyId}/rotate`, code: "key_not_found" },
    ],
  },
  "GET /v1/audit-log": {
    access: "manage",
    probes: (own) => [{ path: "/v1/audit-log?limit=100" }, { path: `/v1/audit-log?limit=100&after=${own.auditId}` }],
    foreign: (other) => [
      { path: `/v1/audit-log?after=${other.auditId}`, code: "audit_entry_not_found" },
      { path: `/v1/audit-log?starting_after=${other.auditId}`, code: "audit_entry_not_found" },
    ],
  },

  "GET /admin/v1/catalogue": { access: "admin", probes: at("/admin/v1/catalogue") },
  "PUT /admin/v1/catalogue": { access: "admin", probes: at("/admin/v1/catalogue", { models: [] }) },
  "DELETE /admin/v1/catalogue": { access: "admin", probes: at("/admin/v1/catalogue") },
  "GET /admin/v1/catalogue/versions": { access: "admin", probes: at("/admin/v1/catalogue/versions") },
  "POST /admin/v1/erasures": { access: "admin", probes: (own) => [{ path: "/admin/v1/erasures", body: { account_id: own.accountId } }] },
  "POST /admin/v1/erasures/reapply": { access: "admin", probes: at("/admin/v1/erasures/reapply", {}) },
  "POST /admin/v1/accounts": { access: "admin", probes: at("/admin/v1/accounts", { email: "mallory@example.com", name: "Mallory", tier: "enterprise" }) },
  "POST /admin/v1/accounts/lookup": { access: "admin", probes: at("/admin/v1/accounts/lookup", { email: "mallory@example.com" }) },
  "GET /admin/v1/accounts": { access: "admin", probes: at("/admin/v1/accounts") },
  "PATCH /admin/v1/accounts/:id": { access: "admin", probes: (own) => [{ path: `/admin/v1/accounts/${own.accountId}`, body: { tier: "enterprise" } }] },
  "POST /admin/v1/accounts/:id/keys": { access: "admin", probes: (own) => [{ path: `/admin/v1/accounts/${own.accountId}/keys`, body: {} }] },
  "POST /admin/v1/accounts/:id/credits": { access: "admin", probes: (own) => [{ path: `/admin/v1/accounts/${own.accountId}/credits`, body: { amount_usd: 1 } }] },
};

/** The routes of one kind, as [method, entry] pairs with their table key. */
export function routesOf(...access: Access[]): { route: string; method: string; entry: RouteEntry }[] {
  return Object.entries(ROUTE_MATRIX)
    .filter(([, entry]) => access.includes(entry.access))
    .map(([route, entry]) => ({ route, method: route.split(" ")[0]!, entry }));
}
