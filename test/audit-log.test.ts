import { env } from "cloudflare:workers";
import { desc, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { coreDb } from "../src/db/client";
import { auditLog } from "../src/db/schema";
import { newId } from "../src/shared/crypto";
import { call, errorOf, newCustomer, type Customer } from "./helpers/router";

interface Entry {
  id: string;
  object: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
  created_at: string;
}
interface List {
  object: "list";
  data: Entry[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

const auditLogOf = (key: string, query = "") => call(`/v1/audit-log${query}`, { headers: { authorization: `Bearer ${key}` } });
const listOf = async (key: string, query = "") => {
  const res = await auditLogOf(key, query);
  expect(res.status).toBe(200);
  return (await res.json()) as List;
};

let a: Customer;
let b: Customer;

beforeAll(async () => {
  a = await newCustomer();
  b = await newCustomer();
  for (const granted of [false, true, false, true, false]) {
    await call("/v1/account/consent", {
      method: "PUT",
      headers: { authorization: `Bearer ${a.key}`, "content-type": "application/json" },
      body: JSON.stringify({ non_eu_transfer: granted }),
    });
  }
  // Entries sharing one millisecond: the cursor must still neither repeat nor skip one.
  const at = Date.now() + 1000;
  await coreDb(env.DB)
    .insert(auditLog)
    .values(Array.from({ length: 6 }, (_, i) => ({ id: newId("audit"), accountId: a.accountId, actor: "admin", action: "account.update", target: a.accountId, details: { fields: ["status"] }, createdAt: at + (i < 3 ? 0 : 1) })));
});

async function storedNewestFirst(accountId: string) {
  return coreDb(env.DB).select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(desc(auditLog.createdAt), desc(auditLog.id));
}

describe("GET /v1/audit-log", () => {
  it("lists the account's entries newest first, identifiers only, as an OpenAI list", async () => {
    const list = await listOf(a.key);
    const stored = await storedNewestFirst(a.accountId);
    expect(stored.length).toBeGreaterThan(10);
    expect(list).toMatchObject({ object: "list", has_more: stored.length > 20 });
    expect(list.data.map((e) => e.id)).toEqual(stored.slice(0, 20).map((e) => e.id));
    expect(list.first_id).toBe(list.data[0]!.id);
    expect(list.last_id).toBe(list.data.at(-1)!.id);
    for (const entry of list.data) expect(Object.keys(entry).sort()).toEqual(["action", "actor", "created_at", "details", "id", "object", "target"]);
    const consent = list.data.find((e) => e.action === "consent.record")!;
    expect(consent).toMatchObject({ object: "audit_log_entry", actor: `key:${a.keyId}`, target: "non_eu_transfer", details: { granted: false } });
    expect(Date.parse(consent.created_at)).not.toBeNaN();
    expect((await auditLogOf(a.key)).headers.get("cache-control")).toBe("no-store");
  });

  it("pages with after (or starting_after) through every entry once, in order", async () => {
    const stored = await storedNewestFirst(a.accountId);
    for (const cursor of ["after", "starting_after"]) {
      const seen: string[] = [];
      let page = await listOf(a.key, "?limit=4");
      for (;;) {
        seen.push(...page.data.map((e) => e.id));
        expect(page.data.length).toBeLessThanOrEqual(4);
        if (!page.has_more) break;
        page = await listOf(a.key, `?limit=4&${cursor}=${page.last_id}`);
      }
      expect(seen, cursor).toEqual(stored.map((e) => e.id));
    }
    const last = await listOf(a.key, `?after=${stored.at(-1)!.id}`);
    expect(last).toEqual({ object: "list", data: [], first_id: null, last_id: null, has_more: false });
  });

  it("never shows another account's entries, and another account's cursor is a 404", async () => {
    const listB = await listOf(b.key, "?limit=100");
    const storedB = await storedNewestFirst(b.accountId);
    expect(listB.data.map((e) => e.id)).toEqual(storedB.map((e) => e.id));
    expect(JSON.stringify(listB)).not.toContain(a.accountId);
    const aEntry = (await storedNewestFirst(a.accountId))[0]!.id;
    const res = await auditLogOf(b.key, `?after=${aEntry}`);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "audit_entry_not_found", param: "after" });
    const unknown = await auditLogOf(a.key, `?starting_after=${newId("audit")}`);
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).param).toBe("starting_after");
  });

  it("validates limit and cursors", async () => {
    const id = (await storedNewestFirst(a.accountId))[0]!.id;
    for (const [query, param] of [
      ["?limit=0", "limit"],
      ["?limit=101", "limit"],
      ["?limit=abc", "limit"],
      ["?after=nope", "after"],
      [`?after=${id}&starting_after=${id}`, "starting_after"],
      ["?before=x", "before"],
    ] as const) {
      const res = await auditLogOf(a.key, query);
      expect(res.status, query).toBe(400);
      expect((await errorOf(res)).param, query).toBe(param);
    }
    expect((await listOf(a.key, "?limit=100")).data.length).toBe((await storedNewestFirst(a.accountId)).length);
  });

  it("refuses an inference-only key with 403 and a missing key with 401", async () => {
    const inference = await newCustomer({ key: { scopes: ["inference"] }, consent: false });
    expect((await auditLogOf(inference.key)).status).toBe(403);
    expect((await call("/v1/audit-log")).status).toBe(401);
  });
});
