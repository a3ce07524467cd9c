/**
 * The authorization matrix: two accounts with data, and every route the
 * router serves (test/helpers/route-matrix.ts, checked against app.routes)
 * called as the wrong party: without a key, with a revoked key, with an
 * inference-only key, with a customer key on the operator API, and with one
 * account's key on the other account's objects. Each must be refused with its
 * exact status and code, change nothing, and show nothing of the other account.
 */
import { env } from "cloudflare:workers";
import { asc, count, eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { usageLedger } from "../src/db/billing-schema";
import { billingDb, coreDb, logsDb } from "../src/db/client";
import { requestLogs } from "../src/db/logs-schema";
import { accounts, apiKeys, auditLog, catalogueVersions, consents, erasures } from "../src/db/schema";
import { app } from "../src/router/app";
import { newId } from "../src/shared/crypto";
import { logRow, seedLogs } from "./helpers/export-seed";
import { createdKey, keysApi, models } from "./helpers/keys";
import { ROUTE_MATRIX, routesOf, type Ids, type Probe } from "./helpers/route-matrix";
import { call, newCustomer, type Customer } from "./helpers/router";

const DAY_MS = 86_400_000;

interface Party extends Customer, Ids {
  /** A usage ledger model only this account used. */
  model: string;
}

let a: Party;
let b: Party;
let inferenceOnly: string;
let revoked: string;
let rotatedAway: string;

function send(method: string, probe: Probe, key?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (probe.body !== undefined) headers["content-type"] = "application/json";
  return call(probe.path, { method, headers, body: probe.body === undefined ? undefined : JSON.stringify(probe.body) });
}

/** What identifies a refusal in each error shape: the code, or for Anthropic's shape (no code) its message. */
const REFUSALS: Record<string, { anthropicType: string; message: RegExp }> = {
  missing_api_key: { anthropicType: "authentication_error", message: /^Missing API key\./ },
  revoked_api_key: { anthropicType: "authentication_error", message: /^This API key has been revoked\.$/ },
  expired_api_key: { anthropicType: "authentication_error", message: /^This API key has expired\.$/ },
};

/** Asserts the response is the refusal `code` with `status`, in whichever error shape the route speaks. */
async function expectRefusal(res: Response, status: number, code: string, what: string): Promise<void> {
  const body = (await res.json()) as { type?: string; error: { code?: string; type: string; message: string } };
  expect(res.status, `${what}: ${JSON.stringify(body)}`).toBe(status);
  if (body.type !== "error") return void expect(body.error.code, what).toBe(code);
  expect(body.error.type, what).toBe(REFUSALS[code]!.anthropicType);
  expect(body.error.message, what).toMatch(REFUSALS[code]!.message);
}

/** The body as text; a zip (the CSV export) as the text of all its files. */
async function bodyText(res: Response): Promise<string> {
  if (res.headers.get("content-type") !== "application/zip") return res.text();
  const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
  return Object.values(files).map((f) => new TextDecoder().decode(f)).join("\n");
}

/** A party with a second key, a logged request, a usage row and an audit entry newer than any other. */
async function party(): Promise<Party> {
  const customer = await newCustomer();
  await createdKey(customer.key, { name: `second-${customer.accountId}` });
  const requestId = logRow(customer.accountId, 1).requestId;
  await seedLogs([logRow(customer.accountId, 1, { keyId: customer.keyId })]);
  const model = `matrix/${crypto.randomUUID()}`;
  await billingDb(env.BILLING_DB)
    .insert(usageLedger)
    .values({ accountId: customer.accountId, day: new Date().toISOString().slice(0, 10), model, requests: 1, promptTokens: 1, completionTokens: 1, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 1, updatedAt: Date.now() });
  // In the future, so it stays the newest entry and a cursor after it still lists the rest.
  const auditId = newId("audit");
  await coreDb(env.DB).insert(auditLog).values({ id: auditId, accountId: customer.accountId, actor: "admin", action: "account.update", target: customer.accountId, details: { fields: ["tier"] }, createdAt: Date.now() + DAY_MS });
  return { ...customer, requestId, auditId, model };
}

/**
 * Everything stored about the account, as a request could change it.
 * last_used_at is left out: it is written after a successful authentication
 * in waitUntil, possibly after the request that caused it has been answered.
 */
async function stateOf(accountId: string) {
  const core = coreDb(env.DB);
  return {
    account: await core.select().from(accounts).where(eq(accounts.id, accountId)),
    keys: (await core.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)).orderBy(asc(apiKeys.id))).map(({ lastUsedAt: _, ...key }) => key),
    consents: await core.select().from(consents).where(eq(consents.accountId, accountId)).orderBy(asc(consents.id)),
    audit: await core.select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(asc(auditLog.id)),
    logs: await logsDb(env.LOGS_DB).select().from(requestLogs).where(eq(requestLogs.accountId, accountId)),
    usage: await billingDb(env.BILLING_DB).select().from(usageLedger).where(eq(usageLedger.accountId, accountId)),
    erasures: (await core.select({ n: count() }).from(erasures))[0]!.n,
    catalogueVersions: (await core.select({ n: count() }).from(catalogueVersions))[0]!.n,
  };
}

/** Every identifier and value of B's that must never reach A: ids of account, keys, requests, audit entries; email; key names; model. */
async function secretsOf(p: Party): Promise<string[]> {
  const state = await stateOf(p.accountId);
  return [
    p.accountId,
    state.account[0]!.email,
    p.model,
    ...state.keys.flatMap((k) => [k.id, k.name, k.prefix]),
    ...state.logs.map((l) => l.requestId),
    ...state.audit.map((e) => e.id),
  ].filter((s) => s.length > 0);
}

beforeAll(async () => {
  a = await party();
  b = await party();
  inferenceOnly = (await createdKey(a.key, { name: "inference only", scopes: ["inference"] })).key;
  const doomed = await createdKey(a.key, { name: "revoked" });
  expect((await keysApi(a.key, "DELETE", `/${doomed.id}`)).status).toBe(200);
  revoked = doomed.key;
  const replaced = await createdKey(a.key, { name: "rotated away" });
  expect((await keysApi(a.key, "POST", `/${replaced.id}/rotate`, { grace_period_seconds: 0 })).status).toBe(201);
  rotatedAway = replaced.key;
});

describe("the route table", () => {
  const served = [...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`))];

  it("classifies every served route as public, inference, manage or admin, and names no route the app does not serve", () => {
    expect(served.filter((route) => !(route in ROUTE_MATRIX)), "served but not in the matrix").toEqual([]);
    expect(Object.keys(ROUTE_MATRIX).filter((route) => !served.includes(route)), "in the matrix but not served").toEqual([]);
  });

  it("has a cross-account probe for every customer route that takes an account object's id", () => {
    const withId = routesOf("inference", "manage").filter(({ route }) => route.includes("/:id") && route !== "GET /v1/models/:id{.+}");
    expect(withId.length).toBeGreaterThan(0);
    for (const { route, entry } of withId) expect(entry.foreign, route).toBeDefined();
  });

  it("answers public routes without any credential as the matrix says", async () => {
    for (const { route, method, entry } of routesOf("public")) {
      for (const probe of entry.probes(a)) expect((await send(method, probe)).status, route).toBe(entry.anonymousStatus);
    }
  });
});

describe("refusals on every customer route", () => {
  it("refuses a request without a key with 401 missing_api_key", async () => {
    for (const { route, method, entry } of routesOf("inference", "manage")) {
      for (const probe of entry.probes(a)) {
        await expectRefusal(await send(method, probe), 401, "missing_api_key", `${route} ${probe.path}`);
      }
    }
  });

  const deadKeys = [
    { what: "a revoked key", key: () => revoked, code: "revoked_api_key" },
    { what: "a key rotated with no grace period", key: () => rotatedAway, code: "expired_api_key" },
  ];
  it.each(deadKeys)("refuses $what with 401 $code and changes nothing", async ({ key, code }) => {
    const before = await stateOf(a.accountId);
    for (const { route, method, entry } of routesOf("inference", "manage")) {
      for (const probe of entry.probes(a)) await expectRefusal(await send(method, probe, key()), 401, code, `${route} ${probe.path}`);
    }
    expect(await stateOf(a.accountId)).toEqual(before);
  });

  it("refuses an inference-only key on every manage route, every method, with 403 missing_scope and changes nothing", async () => {
    expect((await models(inferenceOnly)).status).toBe(200);
    const before = await stateOf(a.accountId);
    for (const { route, method, entry } of routesOf("manage")) {
      for (const probe of entry.probes(a)) {
        await expectRefusal(await send(method, probe, inferenceOnly), 403, "missing_scope", `${route} ${probe.path}`);
      }
    }
    expect(await stateOf(a.accountId)).toEqual(before);
  });

  it("refuses a customer manage key on every operator route with 401 invalid_admin_token and changes nothing", async () => {
    const before = [await stateOf(a.accountId), await stateOf(b.accountId)];
    for (const { route, method, entry } of routesOf("admin")) {
      for (const probe of [...entry.probes(a), ...entry.probes(b)]) {
        await expectRefusal(await send(method, probe, a.key), 401, "invalid_admin_token", `${route} ${probe.path}`);
      }
    }
    expect([await stateOf(a.accountId), await stateOf(b.accountId)]).toEqual(before);
  });
});

describe("one account's key on the other account's objects", () => {
  it("gets 404 for each of B's ids on every route that takes one, sees nothing of B, and leaves B unchanged", async () => {
    const before = await stateOf(b.accountId);
    const secrets = await secretsOf(b);
    for (const { route, method, entry } of routesOf("inference", "manage")) {
      for (const probe of entry.foreign?.(b) ?? []) {
        const res = await send(method, probe, a.key);
        const text = await res.clone().text();
        await expectRefusal(res, 404, probe.code, `${route} ${probe.path}`);
        for (const secret of secrets) expect(text, `${route} shows ${secret}`).not.toContain(secret);
      }
    }
    expect(await stateOf(b.accountId)).toEqual(before);
    expect((await models(b.key)).status).toBe(200);
  });

  it("shows only the caller's own data on every reading route, listings and exports included", async () => {
    const secrets = await secretsOf(b);
    const reads = routesOf("inference", "manage").filter(({ method }) => method === "GET");
    for (const { route, method, entry } of reads) {
      for (const probe of entry.probes(a)) {
        const res = await send(method, probe, a.key);
        expect(res.status, `${route} ${probe.path}`).toBe(200);
        const text = await bodyText(res);
        for (const secret of secrets) expect(text, `${probe.path} shows ${secret}`).not.toContain(secret);
      }
    }
  });

  it("does show the caller's own data there, so the check above is not vacuous", async () => {
    const shows = async (path: string) => bodyText(await send("GET", { path }, a.key));
    expect(await shows("/v1/keys")).toContain(a.keyId);
    expect(await shows("/v1/account")).toContain(a.accountId);
    expect(await shows("/v1/usage")).toContain(a.model);
    expect(await shows(`/v1/generation?id=${a.requestId}`)).toContain(a.requestId);
    expect(await shows("/v1/audit-log?limit=100")).toContain(a.auditId);
    expect(await shows(`/v1/audit-log?limit=100&after=${a.auditId}`)).toContain(a.keyId);
    for (const format of ["json", "csv"]) {
      const text = await shows(`/v1/account/export?format=${format}`);
      for (const own of [a.accountId, a.keyId, a.requestId, a.auditId, a.model]) expect(text, `${format} export shows ${own}`).toContain(own);
    }
  });
});
