import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildCatalogue, SEED_CATALOGUE, type Catalogue } from "../src/routing/catalogue";
import { CatalogueStore } from "../src/routing/catalogue-store";
import worker from "../src/router/index";
import { catalogueApi, currentView, direct, editable, extraModel, modelIndex } from "./helpers/catalogue";
import { countingDb } from "./helpers/counting-db";
import { recordingD1 } from "./helpers/d1-recorder";
import { newCustomer, type Customer } from "./helpers/router";

const REFRESH_MS = 30_000;
const HARD_BOUND_MS = 10 * REFRESH_MS;

/** A second isolate: its own store, a clock the test moves, a D1 binding that counts statements, and the waitUntil work it was handed. */
function isolate() {
  let now = 1_000_000;
  const store = new CatalogueStore(() => now);
  const counted = countingDb(env.DB);
  const isolateEnv = { ...env, DB: counted.db, CATALOGUE_REFRESH_S: "30" };
  const scheduled: Promise<unknown>[] = [];
  return {
    advance: (ms: number) => (now += ms),
    queries: counted.count,
    scheduled,
    /** Like a request: the catalogue it is served with, and whether it had to wait for I/O. */
    async request(): Promise<{ catalogue: Catalogue; waited: boolean }> {
      const got = store.get(isolateEnv, (p) => scheduled.push(p));
      return { catalogue: await got, waited: got instanceof Promise };
    },
    /** Lets the waitUntil work finish, as the runtime does after the response. */
    settle: () => Promise.all(scheduled.splice(0)),
  };
}

const insertVersion = (version: number, document: string) =>
  env.DB.prepare("INSERT INTO catalogue_versions (version, document, actor) VALUES (?, ?, 'hand')").bind(version, document).run();

async function publishChange(): Promise<number> {
  const { version, models } = await editable();
  const res = await catalogueApi("PUT", "", { if_version: version, models: [...models, extraModel()] });
  expect(res.status).toBe(200);
  return version + 1;
}

afterEach(async () => {
  const { version } = await currentView();
  expect((await catalogueApi("DELETE", "", { if_version: version })).status).toBe(200);
});

describe("catalogue propagation to another isolate", () => {
  it("a cold isolate loads once, then serves from memory; the seed is cached like any version", async () => {
    const other = isolate();
    const first = await other.request();
    expect(first.waited).toBe(true);
    expect(first.catalogue.models.map((m) => m.id)).toEqual(SEED_CATALOGUE.models.map((m) => m.id));
    expect(other.queries()).toBe(1);
    for (let i = 0; i < 5; i++) {
      other.advance(REFRESH_MS / 10);
      const warm = await other.request();
      expect(warm.waited).toBe(false);
    }
    expect(other.queries()).toBe(1);
    expect(other.scheduled).toHaveLength(0);
  });

  it("takes a change after the refresh interval, in waitUntil; never serves it before, never waits for it", async () => {
    const other = isolate();
    const old = (await other.request()).catalogue;
    const version = await publishChange();

    other.advance(REFRESH_MS - 1);
    const before = await other.request();
    expect(before).toMatchObject({ waited: false });
    expect(before.catalogue).toBe(old);
    expect(other.queries()).toBe(1);
    expect(other.scheduled).toHaveLength(0);

    other.advance(2);
    // Past the interval: this request is still served the copy it has, and a refresh is scheduled after it.
    const trigger = await other.request();
    expect(trigger).toMatchObject({ waited: false });
    expect(trigger.catalogue).toBe(old);
    expect(other.scheduled).toHaveLength(1);
    // Single flight: a second request meanwhile schedules no second refresh.
    expect((await other.request()).catalogue).toBe(old);
    expect(other.scheduled).toHaveLength(1);
    await other.settle();
    expect(other.queries()).toBe(2);

    const after = await other.request();
    expect(after.waited).toBe(false);
    expect(after.catalogue.version).toBe(version);
    expect(after.catalogue.find("mistral/operator-test-model")).toBeDefined();
    expect(other.queries()).toBe(2);
  });

  it("an isolate idle past the hard bound waits for the change rather than serve a copy that old", async () => {
    const other = isolate();
    const old = (await other.request()).catalogue;
    const version = await publishChange();
    other.advance(HARD_BOUND_MS - 1);
    const stale = await other.request();
    expect(stale.catalogue).toBe(old);
    expect(stale.waited).toBe(false);

    const idle = isolate();
    await idle.request();
    idle.advance(HARD_BOUND_MS);
    const fresh = await idle.request();
    expect(fresh.waited).toBe(true);
    expect(fresh.catalogue.version).toBe(version);
    expect(idle.queries()).toBe(2);
    expect(idle.scheduled).toHaveLength(0);
  });

  it("a stored document that no longer validates is never served: the isolate keeps its catalogue, and logs the version only", async () => {
    const other = isolate();
    const version = await publishChange();
    expect((await other.request()).catalogue.version).toBe(version);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      // Written past the operator API, as a bad migration or a hand edit would; or valid once, before a deploy removed its endpoint.
      const bad = JSON.stringify({ models: [{ ...extraModel(), routes: [{ endpoint: "gone-endpoint", upstreamModel: "secret-upstream", pricing: { prompt: 1, completion: 1 } }] }] });
      await insertVersion(version + 1, bad);
      other.advance(HARD_BOUND_MS);
      const kept = await other.request();
      expect(kept.waited).toBe(true);
      expect(kept.catalogue.version).toBe(version);
      expect(kept.catalogue.find("mistral/operator-test-model")).toBeDefined();
      const logged = () => errors.mock.calls.map((c) => c.join(" ")).join("\n");
      expect(logged()).toContain(`version ${version + 1} is invalid at 'models.0.routes.0.endpoint'; keeping version ${version}`);
      expect(logged()).not.toMatch(/secret-upstream|gone-endpoint/);
      // Checked once per version: the next refresh neither parses nor logs it again.
      const count = errors.mock.calls.length;
      other.advance(HARD_BOUND_MS);
      expect((await other.request()).catalogue.version).toBe(version);
      expect(errors.mock.calls.length).toBe(count);
      // A cold isolate has nothing before it: the seed.
      const cold = isolate();
      expect((await cold.request()).catalogue.models.map((m) => m.id)).toEqual(SEED_CATALOGUE.models.map((m) => m.id));

      // The operator sees why, and publishes over it.
      const view = await catalogueApi("GET");
      expect(view.json).toMatchObject({ version: version + 1, source: "operator", error: { param: "models[0].routes[0].endpoint" } });
      const fixed = await catalogueApi("PUT", "", { if_version: version + 1, models: [extraModel()] });
      expect(fixed.status).toBe(200);
      other.advance(HARD_BOUND_MS);
      expect((await other.request()).catalogue.version).toBe(version + 2);

      // Not even JSON.
      await insertVersion(version + 3, "{not json");
      other.advance(HARD_BOUND_MS);
      expect((await other.request()).catalogue.version).toBe(version + 2);
      expect(logged()).toContain(`version ${version + 3} is not JSON; keeping version ${version + 2}`);
      const history = await catalogueApi("GET", "/versions?limit=2");
      expect((history.json as { data: { models: number | null }[] }).data.map((r) => r.models)).toEqual([null, 1]);
    } finally {
      errors.mockRestore();
    }
  });

  it("the router keeps serving its catalogue when the newest stored version is invalid", async () => {
    const customer = await newCustomer();
    const version = await publishChange();
    await insertVersion(version + 1, JSON.stringify({ models: [] }));
    const auth = { headers: { authorization: `Bearer ${customer.key}` } };
    const refresh = { CATALOGUE_REFRESH_S: "1" };
    // Warms the key cache: what the next request queries is the catalogue's alone.
    expect((await direct("/v1/models/mistral/operator-test-model", auth, refresh)).status).toBe(200);
    // Past the 1 s interval: the next request starts the router's own refresh, after its response.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const recorded = recordingD1(env.DB);
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request("http://router.test/v1/models/mistral/operator-test-model", auth), { ...env, ...refresh, DB: recorded.db }, ctx);
      expect(res.status).toBe(200);
      await res.text();
      await waitOnExecutionContext(ctx);
      expect(errors.mock.calls.map((c) => c.join(" ")).join("\n")).toContain(`version ${version + 1} is invalid`);
      // One catalogue query: the refresh, handed to waitUntil (the store's tests
      // show the request does not wait for it). The key, older than the 1 s
      // that routes without a limiter visit trust, is read again too.
      const sqls = recorded.record.statements.map((st) => st.sql);
      expect(sqls.filter((sql) => sql.includes("catalogue_versions"))).toHaveLength(1);
      expect(sqls.filter((sql) => !sql.includes("catalogue_versions")).every((sql) => sql.includes("api_keys"))).toBe(true);
      // Refreshed, and still serving what was published before.
      expect((await direct("/v1/models/mistral/operator-test-model", auth, refresh)).status).toBe(200);
    } finally {
      errors.mockRestore();
    }
  });

  it("a background refresh that never settles stops blocking the next one after 10 s", async () => {
    let now = 1_000_000;
    const store = new CatalogueStore(() => now);
    const live = { ...env, CATALOGUE_REFRESH_S: "30" };
    // A binding whose statements never answer.
    const never = () => new Promise(() => {});
    const statement = { bind: () => statement, raw: never, all: never, first: never, run: never };
    const hanging = { prepare: () => statement };
    const stuck = { ...live, DB: hanging as unknown as D1Database };
    await store.get(live, () => {});
    const scheduled: Promise<unknown>[] = [];
    now += REFRESH_MS;
    store.get(stuck, (p) => scheduled.push(p));
    now += 9_999;
    store.get(live, (p) => scheduled.push(p));
    expect(scheduled).toHaveLength(1);
    const version = await publishChange();
    now += 1;
    expect(store.get(live, (p) => scheduled.push(p))).not.toBeInstanceOf(Promise);
    expect(scheduled).toHaveLength(2);
    await scheduled[1];
    expect((store.get(live, () => {}) as Catalogue).version).toBe(version);
  });

  it("a load that started before a publish in this isolate does not undo it when it lands", async () => {
    let now = 1_000_000;
    const store = new CatalogueStore(() => now);
    const live = { ...env, CATALOGUE_REFRESH_S: "30" };
    await store.get(live, () => {});
    // A D1 binding whose statements answer only once released.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = (stmt: D1PreparedStatement): D1PreparedStatement =>
      ({
        bind: (...args: unknown[]) => held(stmt.bind(...args)),
        raw: (...args: unknown[]) => gate.then(() => (stmt.raw as (...a: unknown[]) => unknown)(...args)),
        all: () => gate.then(() => stmt.all()),
      }) as unknown as D1PreparedStatement;
    const slow = { ...live, DB: { prepare: (sql: string) => held(env.DB.prepare(sql)) } as unknown as D1Database };
    const version = await publishChange();
    now += HARD_BOUND_MS;
    const pending = store.get(slow, () => {});
    // Meanwhile this isolate publishes a newer version itself.
    now += 1;
    const newer = buildCatalogue(version + 1, SEED_CATALOGUE.models);
    store.publish(newer);
    release();
    // The load read version `version`, older than what was published here: it is dropped.
    expect(await pending).toBe(newer);
    expect(store.get(live, () => {})).toBe(newer);
  });

  it("a failed D1 query keeps the catalogue and is not retried on every request", async () => {
    let now = 1_000_000;
    const store = new CatalogueStore(() => now);
    let calls = 0;
    const broken = { ...env, CATALOGUE_REFRESH_S: "30", DB: { prepare: () => { calls++; throw new Error("D1 down"); } } as unknown as D1Database };
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await store.get(broken, () => {})).toBe(SEED_CATALOGUE);
      expect(calls).toBe(1);
      now += REFRESH_MS - 1;
      expect(store.get(broken, () => {})).toBe(SEED_CATALOGUE);
      expect(calls).toBe(1);
      expect(errors).toHaveBeenCalledTimes(1);
    } finally {
      errors.mockRestore();
    }
  });
});

describe("the router's warm path", () => {
  let customer: Customer;
  beforeAll(async () => {
    customer = await newCustomer();
  });

  it("makes no D1 query for the catalogue, with an operator version in force", async () => {
    const { version, models } = await editable();
    const i = modelIndex(models, "mistral/mistral-small-latest");
    // The global route only (EU-hosted routes may not come second).
    models[i]!.routes = [models[i]!.routes[1]!];
    expect((await catalogueApi("PUT", "", { if_version: version, models })).status).toBe(200);
    const counted = countingDb(env.DB);
    const auth = { headers: { authorization: `Bearer ${customer.key}` } };
    // The first request warms the key cache; the catalogue is already in memory (published here).
    await direct("/v1/models", auth, { DB: counted.db });
    const before = counted.count();
    const warm = await direct("/v1/models", auth, { DB: counted.db });
    expect(warm.status).toBe(200);
    expect((warm.json as { data: { id: string; routes: { endpoint: string }[] }[] }).data.find((m) => m.id === "mistral/mistral-small-latest")!.routes[0]!.endpoint).toBe("mistral-global");
    expect(counted.count() - before).toBe(0);
  });
});
