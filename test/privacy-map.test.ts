/**
 * GET /v1/privacy: the data map says what the code enforces: its periods are
 * the retention constants, its fields the log event's and the migrated
 * tables' columns, its recipients every provider endpoint.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LEASE_TTL_MS } from "../src/limits/limiter";
import { ENDPOINT_IDS, ENDPOINTS } from "../src/providers/endpoints";
import { PRIVACY_MAP_MAX_AGE_S } from "../src/router/routes/privacy";
import { logEventSchema } from "../src/shared/log-event";
import {
  BILLING_RECEIPT_RETENTION_MS,
  BILLING_RETENTION_YEARS,
  CACHE_TTL_MS,
  CLOSED_ACCOUNT_RETENTION_MS,
  ERASURE_JOURNAL_RETENTION_MS,
  LOG_RETENTION_MS,
  STRIPE_EVENT_RETENTION_MS,
} from "../src/shared/retention";
import { limiterStub } from "./helpers/limiter";
import { call } from "./helpers/router";

interface MapCategory {
  id: string;
  description: string;
  store: { kind: string; name: string; table: string | null };
  fields: string[];
  retention: { after: string; period_ms?: number; period_years?: number };
  on_erasure: string;
  location: string;
  held: boolean;
}

interface MapRecipient {
  endpoint: string;
  data_region: string;
  requires_consent: boolean;
  retention: { zdr: boolean; days: number; purposes: string[]; source: string; origin: string };
}

interface MapProcessor {
  name: string;
  data: string[];
  data_region: string;
  transfers_outside_eu: boolean;
  on_erasure: string;
  source: string;
}

interface PrivacyMap {
  object: string;
  location: { jurisdiction: string };
  categories: MapCategory[];
  recipients: MapRecipient[];
  processors: MapProcessor[];
}

async function fetchMap(): Promise<{ res: Response; map: PrivacyMap }> {
  const res = await call("/v1/privacy");
  return { res, map: (await res.json()) as PrivacyMap };
}

const byId = (map: PrivacyMap, id: string): MapCategory => {
  const found = map.categories.find((c) => c.id === id);
  if (!found) throw new Error(`no category ${id}`);
  return found;
};

describe("GET /v1/privacy", () => {
  it("answers without a key, as a public cacheable document", async () => {
    const { res, map } = await fetchMap();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe(`public, max-age=${PRIVACY_MAP_MAX_AGE_S}`);
    expect(map.object).toBe("privacy_data_map");
    expect(map.location.jurisdiction).toBe("eu");
    expect(map.categories.every((c) => c.location === "eu")).toBe(true);
  });

  it("states the retention constants' own numbers", async () => {
    const { map } = await fetchMap();
    for (const id of ["account_profile", "api_keys", "consents", "audit_log"]) {
      expect(byId(map, id).retention).toEqual({ after: "account_closed_at", period_ms: CLOSED_ACCOUNT_RETENTION_MS });
    }
    expect(byId(map, "request_logs").retention.period_ms).toBe(LOG_RETENTION_MS);
    expect(byId(map, "billing_ledger").retention.period_years).toBe(BILLING_RETENTION_YEARS);
    expect(byId(map, "billing_receipts").retention.period_ms).toBe(BILLING_RECEIPT_RETENTION_MS);
    expect(byId(map, "erasure_journal").retention.period_ms).toBe(ERASURE_JOURNAL_RETENTION_MS);
    expect(byId(map, "limiter_state").retention.period_ms).toBe(LEASE_TTL_MS);
    expect(byId(map, "response_cache")).toMatchObject({ held: true, retention: { period_ms: CACHE_TTL_MS }, on_erasure: "deleted" });
    expect(byId(map, "credit_ledger").retention).toEqual({ after: "created_at", period_years: BILLING_RETENTION_YEARS });
    expect(byId(map, "billing_account").retention).toEqual({ after: "account_closed_at", period_ms: CLOSED_ACCOUNT_RETENTION_MS });
    expect(byId(map, "stripe_events").retention).toEqual({ after: "processed_at", period_ms: STRIPE_EVENT_RETENTION_MS });
  });

  it("describes the response cache as held: the only content at rest, opt-in, encrypted, in the account's limiter, 24 hours, purged on withdrawal", async () => {
    const { map } = await fetchMap();
    const cache = byId(map, "response_cache");
    expect(cache).toMatchObject({ held: true, location: "eu", store: { kind: "durable_object", name: "AccountLimiter", table: "cache_entries" } });
    for (const said of ["only prompt or response content at rest", "x-emby-cache-ttl", "cache_ttl", "AES-256-GCM", "HKDF", "EU jurisdiction", "24 hours", "never served after expiry", "DELETE /v1/cache", "erasure"]) {
      expect(cache.description).toContain(said);
    }
    // Every other category that mentions content says it holds none.
    const others = map.categories.filter((c) => c.id !== "response_cache" && /\bcontent\b/.test(c.description));
    for (const c of others) expect(c.description, c.id).toMatch(/never prompt or response content/);
  });

  it("lists the log event's fields as the request logs' fields", async () => {
    const { map } = await fetchMap();
    const eventFields = Object.keys(logEventSchema.shape).filter((k) => k !== "v");
    expect(byId(map, "request_logs").fields).toEqual(eventFields);
    expect(eventFields).toContain("ip");
  });

  it("lists every column the migrated databases hold for each table it names", async () => {
    const { map } = await fetchMap();
    const dbs: Record<string, D1Database> = { "emby-core": env.DB, "emby-billing": env.BILLING_DB };
    const tables = map.categories.filter((c) => c.store.kind === "d1" && c.store.table && dbs[c.store.name]);
    expect(tables.map((c) => c.store.table)).toEqual(
      expect.arrayContaining(["accounts", "api_keys", "consents", "audit_log", "erasures", "usage_ledger", "billing_receipts", "credit_ledger", "billing_accounts", "stripe_events"]),
    );
    for (const c of tables) {
      const { results } = await dbs[c.store.name]!.prepare(`select name from pragma_table_info(?)`).bind(c.store.table).all<{ name: string }>();
      expect([...c.fields].sort(), c.id).toEqual(results.map((r) => r.name).sort());
    }
  });

  it("names every table of the core and billing databases (operator data and D1's own tables aside)", async () => {
    const { map } = await fetchMap();
    const notAboutPeople = new Set(["catalogue_versions", "d1_migrations"]);
    for (const [store, db] of [["emby-core", env.DB], ["emby-billing", env.BILLING_DB]] as const) {
      const { results } = await db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '\\_cf_%' escape '\\'").all<{ name: string }>();
      expect(results.length, store).toBeGreaterThan(2);
      const named = map.categories.filter((c) => c.store.name === store).map((c) => c.store.table);
      for (const { name } of results) if (!notAboutPeople.has(name)) expect(named, `${store}.${name}`).toContain(name);
    }
  });

  it("says what erasure does as src/db/erasure.ts does it: billing rows pseudonymised, the rest deleted", async () => {
    const { map } = await fetchMap();
    expect(byId(map, "billing_ledger").on_erasure).toBe("pseudonymised");
    expect(byId(map, "billing_receipts").on_erasure).toBe("pseudonymised");
    expect(byId(map, "credit_ledger").on_erasure).toBe("pseudonymised");
    expect(byId(map, "billing_account").on_erasure).toBe("deleted");
    expect(byId(map, "request_logs").on_erasure).toBe("deleted");
  });

  it("lists every table and column the account's limiter object stores", async () => {
    const { map } = await fetchMap();
    const stub = limiterStub(`acct_map_${crypto.randomUUID()}`);
    const stored = await runInDurableObject(stub, (_obj, state) => {
      const tables = [...state.storage.sql.exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name not like 'sqlite_%'")].map((r) => r.name);
      return Object.fromEntries(tables.map((t) => [t, [...state.storage.sql.exec<{ name: string }>("select name from pragma_table_info(?)", t)].map((r) => r.name).sort()]));
    });
    const listed = Object.fromEntries(map.categories.filter((c) => c.store.kind === "durable_object").map((c) => [c.store.table, [...c.fields].sort()]));
    expect(Object.keys(stored).sort()).toEqual(["access_budgets", "access_facts", "access_stops", "cache_entries", "cache_purges", "credit_account", "credit_applied", "credit_key_alias", "credit_key_spend", "credit_pending", "credit_reclaimed", "credit_reservations", "low_balance_notice", "requests"]);
    expect(listed).toEqual(stored);
  });

  it("lists every provider endpoint as a recipient, outside the EU only with consent", async () => {
    const { map } = await fetchMap();
    expect(map.recipients.map((r) => r.endpoint).sort()).toEqual([...ENDPOINT_IDS].sort());
    for (const r of map.recipients) {
      const endpoint = ENDPOINTS[r.endpoint as keyof typeof ENDPOINTS];
      expect(r.data_region).toBe(endpoint.region);
      expect(r.requires_consent).toBe(endpoint.region !== "eu");
      expect(r.retention).toEqual({ ...endpoint.retention, origin: "provider_terms" });
    }
  });

  it("names Stripe as the payment processor, with what it receives, and says plainly that it processes outside the EU", async () => {
    const { map } = await fetchMap();
    expect(map.processors).toEqual([
      expect.objectContaining({
        name: "Stripe",
        // The account id rides along as metadata (customer, Checkout Session, PaymentIntent, subscription) and client_reference_id.
        data: ["account_id", "email", "name", "company", "billing_address", "amounts_paid", "payment_details_entered_at_stripe"],
        data_region: "global",
        transfers_outside_eu: true,
        on_erasure: expect.stringMatching(/customer is deleted.*Stripe keeps the payment records/s),
        source: expect.stringMatching(/^https:\/\/stripe\.com\//),
      }),
    ]);
  });
});
