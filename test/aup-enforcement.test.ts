/** AUP enforcement through PATCH /admin/v1/accounts/{id}: each state behaves as docs/enforcement.md says. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { penaltyLimits, TIER_LIMITS } from "../src/limits/tiers";
import { admin, call, chat, errorOf, newCustomer } from "./helpers/router";
import { limiterStub } from "./helpers/limiter";

const mistral = "mistral/mistral-small-latest";
const hi = (key: string) => chat(key, { model: mistral, messages: [{ role: "user", content: "hi" }] });
const models = (key: string) => call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
const patch = (accountId: string, body: unknown) => admin("PATCH", `/accounts/${accountId}`, body);

describe("PATCH /admin/v1/accounts/{id} with a status", () => {
  it("needs a reason for any status but active; stores it in the account, audits only that one was recorded", async () => {
    const c = await newCustomer();
    const missing = await patch(c.accountId, { status: "suspended" });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).param).toBe("reason");
    expect((await patch(c.accountId, { status: "warned", reason: "Phishing reports" })).status).toBe(200);
    const row = await env.DB.prepare("select status, status_reason from accounts where id = ?").bind(c.accountId).first();
    expect(row).toEqual({ status: "warned", status_reason: "Phishing reports" });
    const audit = await env.DB.prepare("select details from audit_log where account_id = ? and action = 'account.update'").bind(c.accountId).first<{ details: string }>();
    expect(JSON.parse(audit!.details)).toEqual({ fields: ["status", "reason"], status: "warned", reason_recorded: true });
    expect((await patch(c.accountId, { status: "active" })).status).toBe(200);
  });

  it("warned: requests succeed, every authenticated response carries x-emby-account-warning with the reason", async () => {
    const c = await newCustomer();
    await patch(c.accountId, { status: "warned", reason: "Unsolicited bulk content" });
    const ok = await hi(c.key);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-emby-account-warning")).toBe("Unsolicited bulk content");
    expect((await models(c.key)).headers.get("x-emby-account-warning")).toBe("Unsolicited bulk content");
    const unknownModel = await chat(c.key, { model: "nope/nothing", messages: [{ role: "user", content: "hi" }] });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.headers.get("x-emby-account-warning")).toBe("Unsolicited bulk content");
  });

  it("rate_limited: the penalty limits (10% of the tier's) answer 429 past them", async () => {
    const c = await newCustomer({ tier: "free" });
    await patch(c.accountId, { status: "rate_limited", reason: "Scraping" });
    const penalty = penaltyLimits(TIER_LIMITS.free);
    expect(penalty).toEqual({ rpm: 2, tpm: 4_000, concurrency: 1 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await hi(c.key));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(statuses[0]!.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect((await errorOf(statuses[2]!)).code).toBe("rate_limit_exceeded");
  });

  it("suspended: 403 with the reason and how to appeal, on every route; reversible", async () => {
    const c = await newCustomer();
    expect((await hi(c.key)).status).toBe(200);
    expect((await patch(c.accountId, { status: "suspended", reason: "Credential stuffing" })).status).toBe(200);
    for (const res of [await hi(c.key), await models(c.key)]) {
      expect(res.status).toBe(403);
      const error = await errorOf(res);
      expect(error.code).toBe("account_suspended");
      expect(error.message).toContain("Credential stuffing");
      expect(error.message).toContain(env.APPEALS_CONTACT);
    }
    expect((await patch(c.accountId, { status: "active" })).status).toBe(200);
    expect((await hi(c.key)).status).toBe(200);
  });

  it("reaches the limiter before D1: a view read before the suspension is refused there", async () => {
    const c = await newCustomer();
    const before = Date.now() - 10_000;
    await patch(c.accountId, { status: "suspended", reason: "Fraud" });
    const limits = TIER_LIMITS.pro;
    const answer = await limiterStub(c.accountId).admit({ leaseId: crypto.randomUUID(), keyId: c.keyId, account: limits, key: limits, tokens: 1, keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { asOf: before, status: "active", tier: "pro", tierUntil: null }, accountId: c.accountId, spend: { maxPriceNano: 0, keyBudget: null } });
    expect(answer).toMatchObject({ refused: { code: "account_suspended", reason: "Fraud" } });
  });

  it("terminated: 403, every key revoked with reason account_terminated, and final (409)", async () => {
    const c = await newCustomer();
    const second = (await (await admin("POST", `/accounts/${c.accountId}/keys`, {})).json()) as { id: string; key: string };
    expect((await hi(second.key)).status).toBe(200);
    expect((await patch(c.accountId, { status: "terminated", reason: "Repeated abuse" })).status).toBe(200);
    for (const key of [c.key, second.key]) {
      const res = await hi(key);
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe("account_terminated");
    }
    const keys = await env.DB.prepare("select status, revoked_reason from api_keys where account_id = ?").bind(c.accountId).all();
    expect(keys.results).toEqual([
      { status: "revoked", revoked_reason: "account_terminated" },
      { status: "revoked", revoked_reason: "account_terminated" },
    ]);
    const revocations = await env.DB.prepare("select target from audit_log where account_id = ? and action = 'key.revoke' order by target").bind(c.accountId).all();
    expect(revocations.results.map((r) => r.target)).toEqual([c.keyId, second.id].sort());
    for (const body of [{ status: "active" }, { tier: "enterprise" }]) {
      const res = await patch(c.accountId, body);
      expect(res.status).toBe(409);
      expect((await errorOf(res)).code).toBe("account_terminated");
    }
  });

  it("a closed account cannot be re-activated (409)", async () => {
    const c = await newCustomer();
    await env.DB.prepare("update accounts set closed_at = ? where id = ?").bind(Date.now(), c.accountId).run();
    const res = await patch(c.accountId, { status: "active" });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("account_closed");
  });
});
