import { env } from "cloudflare:workers";
import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { accounts, auditLog, consents } from "../src/db/schema";
import type { LogEvent } from "../src/shared/log-event";
import { callWithLog } from "./helpers/log-capture";
import { call, chat, errorOf, newCustomer, type Customer } from "./helpers/router";

const core = coreDb(env.DB);

function send(key: string, method: string, path: string, body?: unknown) {
  return call(path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A request with a client address, user agent and edge location, and the one event it was logged with. */
async function loggedRequest(key: string, init: RequestInit = {}, path = "/v1/models"): Promise<{ response: Response; event: LogEvent }> {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json", "user-agent": "probe/1.0", "cf-connecting-ip": "203.0.113.9" };
  const logged = await callWithLog(path, { ...init, headers, cf: { colo: "FRA" } } as RequestInit);
  await logged.response.arrayBuffer();
  const events = await logged.settled();
  expect(events).toHaveLength(1);
  return { response: logged.response, event: events[0]! };
}

const restrictedAtOf = async (c: Customer) => (await core.query.accounts.findFirst({ where: eq(accounts.id, c.accountId) }))!.restrictedAt;

describe("restriction of processing", () => {
  it("leaves IP address, user agent and edge location out of the logs from the request that asks, until lifted", async () => {
    const customer = await newCustomer();
    const before = await loggedRequest(customer.key);
    expect(before.event).toMatchObject({ ip: "203.0.113.9", user_agent: "probe/1.0", edge_location: "FRA" });

    const put = await loggedRequest(customer.key, { method: "PUT", body: JSON.stringify({ restricted: true }) }, "/v1/account/restriction");
    expect(put.response.status).toBe(200);
    expect(put.event).toMatchObject({ endpoint: "account", ip: null, user_agent: null, edge_location: null });

    // The key was cached on this isolate before the change; the next request sees it at once.
    const during = await loggedRequest(customer.key);
    expect(during.response.status).toBe(200);
    // What billing, limits and security need stays.
    expect(during.event).toMatchObject({ account_id: customer.accountId, key_id: customer.keyId, endpoint: "models", status: 200, ip: null, user_agent: null, edge_location: null });

    const lift = await loggedRequest(customer.key, { method: "PUT", body: JSON.stringify({ restricted: false }) }, "/v1/account/restriction");
    expect(lift.response.status).toBe(200);
    expect((await loggedRequest(customer.key)).event).toMatchObject({ ip: "203.0.113.9", user_agent: "probe/1.0" });
  });

  it("states the restriction and what it leaves out, keeps the date it began, and audits each change", async () => {
    const customer = await newCustomer({ consent: false });
    const initial = await send(customer.key, "GET", "/v1/account/restriction");
    expect(initial.headers.get("cache-control")).toBe("no-store");
    expect(await initial.json()).toEqual({ object: "restriction", restricted: false, restricted_at: null, omitted_from_logs: ["ip", "user_agent", "edge_location"] });

    const first = (await (await send(customer.key, "PUT", "/v1/account/restriction", { restricted: true })).json()) as { restricted: boolean; restricted_at: string };
    expect(first.restricted).toBe(true);
    expect(Date.parse(first.restricted_at)).toBe(await restrictedAtOf(customer));
    const again = (await (await send(customer.key, "PUT", "/v1/account/restriction", { restricted: true })).json()) as { restricted_at: string };
    expect(again.restricted_at).toBe(first.restricted_at);
    expect(await (await send(customer.key, "GET", "/v1/account")).json()).toMatchObject({ restricted: true, restricted_at: first.restricted_at });

    await send(customer.key, "PUT", "/v1/account/restriction", { restricted: false });
    expect(await restrictedAtOf(customer)).toBeNull();
    const audit = await core
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, customer.accountId), eq(auditLog.action, "account.restrict")))
      .orderBy(asc(auditLog.createdAt));
    expect(audit.map((a) => a.details)).toEqual([{ restricted: true }, { restricted: true }, { restricted: false }]);
  });

  it("refuses a body that is not {restricted: boolean}", async () => {
    const customer = await newCustomer({ consent: false });
    for (const body of [{}, { restricted: "yes" }, { restricted: true, ip: false }]) {
      const res = await send(customer.key, "PUT", "/v1/account/restriction", body);
      expect(res.status).toBe(400);
    }
    expect(await restrictedAtOf(customer)).toBeNull();
  });
});

describe("communication preferences", () => {
  it("sends product updates only after an opt-in, keeps every decision, and states that service notices are always sent", async () => {
    const customer = await newCustomer({ consent: false });
    expect(await (await send(customer.key, "GET", "/v1/account/communication")).json()).toEqual({
      object: "communication_preferences",
      product_updates: false,
      recorded_at: null,
      service_notices: true,
    });
    expect((await send(customer.key, "PUT", "/v1/account/communication", { product_updates: true })).status).toBe(200);
    const optOut = await send(customer.key, "PUT", "/v1/account/communication", { product_updates: false });
    expect(await optOut.json()).toMatchObject({ product_updates: false, service_notices: true });

    const history = await core
      .select()
      .from(consents)
      .where(and(eq(consents.accountId, customer.accountId), eq(consents.kind, "product_updates")))
      .orderBy(asc(consents.recordedAt));
    expect(history.map((h) => [h.granted, h.source])).toEqual([
      [true, `key:${customer.keyId}`],
      [false, `key:${customer.keyId}`],
    ]);
    expect(await (await send(customer.key, "GET", "/v1/account")).json()).toMatchObject({ communication: { product_updates: false, service_notices: true } });
  });

  it("does not let service notices be turned off", async () => {
    const customer = await newCustomer({ consent: false });
    const res = await send(customer.key, "PUT", "/v1/account/communication", { product_updates: false, service_notices: false });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "unknown_parameter", param: "service_notices" });
  });
});

describe("withdrawing consent to non-EU transfer", () => {
  it("refuses non-EU routes from the next request on", async () => {
    const customer = await newCustomer();
    const body = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] };
    expect((await chat(customer.key, body)).status).toBe(200);
    const withdrawn = await send(customer.key, "PUT", "/v1/account/consent", { non_eu_transfer: false });
    expect(await withdrawn.json()).toMatchObject({ object: "consent", non_eu_transfer: false });
    const refused = await chat(customer.key, body);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("consent_required");
  });
});
