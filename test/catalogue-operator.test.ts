import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { appendCatalogueVersion } from "../src/db/catalogue-versions";
import { coreDb } from "../src/db/client";
import { SEED_SPECS } from "../src/providers/catalogue";
import type { ModelSpec } from "../src/providers/model-spec";
import { catalogueApi, currentView, direct, editable, extraModel, modelIndex, type CatalogueView } from "./helpers/catalogue";
import { callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { admin, errorOf, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

interface AuditRow {
  account_id: string | null;
  actor: string;
  action: string;
  target: string;
  details: string;
}

async function catalogueAudit(): Promise<AuditRow[]> {
  const { results } = await env.DB.prepare("SELECT account_id, actor, action, target, details FROM audit_log WHERE action LIKE 'catalogue.%' ORDER BY created_at, target").all<AuditRow>();
  return results;
}

const put = (version: number, models: unknown, comment?: string) => catalogueApi("PUT", "", { if_version: version, models, ...(comment ? { comment } : {}) });

async function expect400(models: unknown, param: string) {
  const { version } = await currentView();
  const res = await put(version, models);
  expect(res.status, JSON.stringify(res.json)).toBe(400);
  expect((res.json as { error: { param: string } }).error.param).toBe(param);
}

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

// Each test leaves the seed in force, whatever the storage does between tests.
afterEach(async () => {
  const { version } = await currentView();
  expect((await catalogueApi("DELETE", "", { if_version: version })).status).toBe(200);
});

describe("operator catalogue API", () => {
  it("shows the seed until an operator publishes, in the spec shape a PUT takes", async () => {
    const view = await currentView();
    expect(view).toMatchObject({ object: "catalogue", source: "seed", error: null });
    expect(view.models).toEqual(JSON.parse(JSON.stringify(SEED_SPECS)));
    const res = await catalogueApi("GET");
    expect(res.headers.get("cache-control")).toBe("no-store");
    // The seed as shown is a valid document: it goes back as it is.
    const again = await put(view.version, view.models);
    expect(again.status, JSON.stringify(again.json)).toBe(200);
    expect(again.json).toMatchObject({ version: view.version + 1, source: "operator" });
  });

  it("needs the admin token", async () => {
    const res = await direct("/admin/v1/catalogue", { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
  });

  it("refuses an invalid document with a 400 naming the field, and stores nothing", async () => {
    const { version, models } = await editable();
    const gpt = modelIndex(models, "openai/gpt-4o-mini");
    const mistral = modelIndex(models, "mistral/mistral-small-latest");
    const with_ = (edit: (m: ModelSpec[]) => void) => {
      const copy = structuredClone(models);
      edit(copy);
      return copy;
    };
    await expect400(with_((m) => (m[gpt]!.routes[0]!.endpoint = "openai-moon")), `models[${gpt}].routes[0].endpoint`);
    // OpenAI's endpoint processes in the US: a route on it (after the model's Azure EU route) cannot claim the EU.
    expect(models[gpt]!.routes[1]!.endpoint).toBe("openai");
    await expect400(with_((m) => (m[gpt]!.routes[1]!.region = "eu")), `models[${gpt}].routes[1].region`);
    await expect400(with_((m) => (m[mistral]!.id = models[0]!.id)), `models[${mistral}].id`);
    // EU-hosted routes come first (the Mistral model's are EU, then global).
    await expect400(with_((m) => m[mistral]!.routes.reverse()), `models[${mistral}].routes[1].region`);
    await expect400(with_((m) => m[mistral]!.routes.push(structuredClone(m[mistral]!.routes[1]!))), `models[${mistral}].routes[2].upstreamModel`);
    await expect400(with_((m) => (m[gpt]!.routes[0]!.pricing.prompt = -1)), `models[${gpt}].routes[0].pricing.prompt`);
    await expect400(with_((m) => ((m[gpt] as Record<string, unknown>).colour = "blue")), `models[${gpt}].colour`);
    await expect400([], "models");
    const many = Array.from({ length: 501 }, (_, i) => extraModel(`mistral/bulk-${i}`));
    await expect400(many, "models");
    const noVersion = await catalogueApi("PUT", "", { models });
    expect((noVersion.json as { error: { param: string } }).error.param).toBe("if_version");
    const after = await currentView();
    expect(after.version).toBe(version);
    expect(after.source).toBe("seed");
  });

  it("versions every change, refuses a stale if_version with 409, and lists the history newest first", async () => {
    const { version, models } = await editable();
    const first = await put(version, [...models, extraModel()], "add a test model");
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ version: version + 1, source: "operator", comment: "add a test model" });
    // A second operator who read the same version loses: nothing is written.
    const stale = await put(version, models, "stale");
    expect(stale.status).toBe(409);
    expect((stale.json as { error: { code: string; message: string } }).error).toMatchObject({ code: "catalogue_version_conflict" });
    expect((stale.json as { error: { message: string } }).error.message).toContain(`version ${version + 1}`);
    // A version from the future is as stale as one from the past.
    expect((await put(version + 5, models)).status).toBe(409);
    expect((await currentView()).version).toBe(version + 1);
    const second = await put(version + 1, models, "remove it again");
    expect(second.json).toMatchObject({ version: version + 2 });
    const history = await catalogueApi("GET", "/versions?limit=2");
    expect(history.status).toBe(200);
    expect((history.json as { data: unknown[] }).data).toEqual([
      { version: version + 2, created_at: expect.any(String), actor: "admin", comment: "remove it again", source: "operator", models: models.length },
      { version: version + 1, created_at: expect.any(String), actor: "admin", comment: "add a test model", source: "operator", models: models.length + 1 },
    ]);
    expect((await catalogueApi("GET", "/versions?limit=1000")).status).toBe(400);
  });

  it("two writers racing for one version: the key refuses the second, and neither its row nor its audit entry is written", async () => {
    const { version, models } = await editable();
    expect((await put(version, models)).status).toBe(200);
    const audits = (await catalogueAudit()).length;
    const db = coreDb(env.DB);
    // The loser read the same version, so it tries to append the same next one.
    const row = { version: version + 1, document: null, actor: "admin", comment: "loser", createdAt: Date.now() };
    const written = await appendCatalogueVersion(db, row, { accountId: null, actor: "admin", action: "catalogue.revert", target: String(version + 1) });
    expect(written).toBe(false);
    expect((await catalogueAudit()).length).toBe(audits);
    expect(await currentView()).toMatchObject({ version: version + 1, source: "operator", comment: null });
  });

  it("audits every change with its version and the model ids it adds, changes and removes, nothing else", async () => {
    const before = (await catalogueAudit()).length;
    const { version, models } = await editable();
    const edited = structuredClone(models);
    const gpt = modelIndex(edited, "openai/gpt-4o-mini");
    edited[gpt]!.routes[0]!.pricing.prompt = 0.2;
    const removed = edited.splice(modelIndex(edited, "mistral/mistral-medium-latest"), 1);
    edited.push(extraModel());
    expect((await put(version, edited, "reprice")).status).toBe(200);
    expect((await catalogueApi("DELETE", "", { if_version: version + 1 })).status).toBe(200);
    const rows = (await catalogueAudit()).slice(before);
    expect(rows.map((r) => ({ ...r, details: JSON.parse(r.details) as unknown }))).toEqual([
      {
        account_id: null,
        actor: "admin",
        action: "catalogue.update",
        target: String(version + 1),
        details: { version: version + 1, added: ["mistral/operator-test-model"], changed: ["openai/gpt-4o-mini"], removed: [removed[0]!.id] },
      },
      {
        account_id: null,
        actor: "admin",
        action: "catalogue.revert",
        target: String(version + 2),
        details: { version: version + 2, added: [removed[0]!.id], changed: ["openai/gpt-4o-mini"], removed: ["mistral/operator-test-model"] },
      },
    ]);
    // The comment is the version's, not the audit log's.
    expect(JSON.stringify(rows)).not.toContain("reprice");
  });

  it("a change takes effect at once in the isolate that made it: /v1/models, routing and the logged cost", async () => {
    const { version, models } = await editable();
    const i = modelIndex(models, "mistral/mistral-small-latest");
    // Only the global endpoint now, at a new price.
    models[i]!.routes = [{ endpoint: "mistral-global", upstreamModel: "mistral-small-latest", pricing: { prompt: 1000, completion: 2000 } }];
    expect((await put(version, [...models, extraModel()])).status).toBe(200);

    const listed = await direct("/v1/models", { headers: { authorization: `Bearer ${customer.key}` } });
    const data = (listed.json as { data: { id: string; routes: { endpoint: string; data_region: string }[] }[] }).data;
    expect(data.map((m) => m.id)).toContain("mistral/operator-test-model");
    expect(data.find((m) => m.id === "mistral/mistral-small-latest")!.routes).toMatchObject([{ endpoint: "mistral-global", data_region: "global" }]);

    const marker = tag();
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: marker }] }));
    await readBody(call.response);
    expect(call.response.status).toBe(200);
    expect(call.response.headers.get("x-emby-route")).toBe("mistral-global");
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe("/mistral-global/v1/chat/completions");
    const [event] = await call.settled();
    // USD per million tokens → nano-USD per token: × 1000.
    expect(event!.cost_nano_usd).toBe(event!.prompt_tokens * 1000 * 1000 + event!.completion_tokens * 2000 * 1000);

    const added = tag();
    const extra = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "mistral/operator-test-model", messages: [{ role: "user", content: added }] }));
    await readBody(extra.response);
    expect(extra.response.status).toBe(200);
    expect((await upstreamRequests(added))[0]!.body.model).toBe("operator-test-upstream");
  });

  it("routes' own output limits: a route that cannot give the requested max_tokens is skipped; none left → 400 naming the field", async () => {
    const { version, models } = await editable();
    const limited: ModelSpec = {
      ...extraModel("mistral/output-limits"),
      maxOutputTokens: 8_000,
      routes: [
        { endpoint: "mistral-eu", upstreamModel: "small-output", region: "eu", pricing: { prompt: 1, completion: 2 }, maxOutputTokens: 1_000 },
        { endpoint: "mistral-global", upstreamModel: "large-output", region: "global", pricing: { prompt: 1, completion: 2 }, maxOutputTokens: 8_000 },
      ],
    };
    expect((await put(version, [...models, limited])).status).toBe(200);
    const ask = (marker: string, fields: Record<string, number>) =>
      direct("/v1/chat/completions", chatInit(customer.key, { model: limited.id, messages: [{ role: "user", content: marker }], ...fields }));

    for (const field of ["max_tokens", "max_completion_tokens"]) {
      const marker = tag();
      const res = await ask(marker, { [field]: 4_000 });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-emby-route")).toBe("mistral-global");
      expect((await upstreamRequests(marker)).map((r) => r.body.model)).toEqual(["large-output"]);
    }
    const small = tag();
    expect((await ask(small, { max_tokens: 500 })).headers.get("x-emby-route")).toBe("mistral-eu");

    const tooMuch = tag();
    const refused = await ask(tooMuch, { max_completion_tokens: 9_000 });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: { param: "max_completion_tokens", code: "invalid_value" } });
    expect((refused.json as { error: { message: string } }).error.message).toContain("at most 8000");
    expect(await upstreamRequests(tooMuch)).toEqual([]);

    const viaMessages = await direct("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": customer.key, "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: limited.id, max_tokens: 9_000, messages: [{ role: "user", content: tag() }] }),
    });
    expect(viaMessages.status).toBe(400);
    expect(viaMessages.json).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect((viaMessages.json as { error: { message: string } }).error.message).toContain("max_tokens is too large");
  });

  it("DELETE reverts to the seed as a new version, and the seed serves again", async () => {
    const { version, models } = await editable();
    expect((await put(version, [...models, extraModel()])).status).toBe(200);
    // A revert names the version it replaces, as a PUT does.
    const unversioned = await catalogueApi("DELETE", "", {});
    expect(unversioned.status).toBe(400);
    expect(unversioned.json).toMatchObject({ error: { param: "if_version" } });
    const stale = await catalogueApi("DELETE", "", { if_version: version });
    expect(stale.status).toBe(409);
    const reverted = await catalogueApi("DELETE", "", { if_version: version + 1, comment: "back to the seed" });
    expect(reverted.status).toBe(200);
    expect(reverted.json).toMatchObject({ version: version + 2, source: "seed", comment: "back to the seed", error: null });
    expect((reverted.json as CatalogueView).models).toHaveLength(SEED_SPECS.length);
    const listed = await direct("/v1/models/mistral/operator-test-model", { headers: { authorization: `Bearer ${customer.key}` } });
    expect(listed.status).toBe(404);
    const marker = tag();
    const call = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: marker }] }));
    await readBody(call.response);
    expect((await upstreamRequests(marker))[0]!.path).toBe("/mistral/v1/chat/completions");
    const history = await catalogueApi("GET", "/versions?limit=1");
    expect((history.json as { data: unknown[] }).data).toEqual([
      { version: version + 2, created_at: expect.any(String), actor: "admin", comment: "back to the seed", source: "seed", models: SEED_SPECS.length },
    ]);
  });

  it("a key's model allow-list is checked against the catalogue in force", async () => {
    const account = (await (await admin("POST", "/accounts", { email: `cat-${crypto.randomUUID().slice(0, 8)}@example.com`, name: "A", tier: "pro" })).json()) as { id: string };
    const keyFor = (models: string[]) =>
      direct(`/admin/v1/accounts/${account.id}/keys`, {
        method: "POST",
        headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
        body: JSON.stringify({ models }),
      });
    const before = await keyFor(["openai/gpt-4o-mini", "mistral/operator-test-model"]);
    expect(before.status).toBe(400);
    expect((before.json as { error: { param: string } }).error.param).toBe("models[1]");
    const { version, models } = await editable();
    expect((await put(version, [...models, extraModel()])).status).toBe(200);
    expect((await keyFor(["openai/gpt-4o-mini", "mistral/operator-test-model"])).status).toBe(201);
  });
});

describe("operator catalogue API through the app's other entry", () => {
  it("is mounted under /admin/v1 like the other operator routes", async () => {
    const res = await admin("GET", "/catalogue/versions");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const wrong = await admin("POST", "/catalogue");
    expect(wrong.status).toBe(405);
    expect((await errorOf(wrong)).code).toBe("method_not_allowed");
  });
});
