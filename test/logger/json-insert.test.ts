import { env } from "cloudflare:workers";
import { eq, getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { billingDb, logsDb } from "../../src/db/client";
import { jsonArrays, jsonRowSelects, MAX_JSON_PARAM_BYTES } from "../../src/db/json-insert";
import { billingReceipts, usageLedger } from "../../src/db/billing-schema";
import { requestLogs, type NewRequestLog } from "../../src/db/logs-schema";
import { insertRequestLogs, toLogRow } from "../../src/db/request-logs";
import { recordUsage } from "../../src/db/usage-ledger";
import { writeEvents } from "../../src/logger/consumer";
import type { LogEvent } from "../../src/shared/log-event";
import { recordingD1 } from "../helpers/d1-recorder";
import { fellBack, logEvent, longestRouting, newAccountId, newRequestId } from "../helpers/log-events";

const NOW = Date.UTC(2026, 3, 1, 12);
const MAX = Number.MAX_SAFE_INTEGER; // 9007199254740991

/** Events covering every kind of value a column can hold: nulls, both booleans, the largest exact integers, odd strings. */
function variedEvents(n: number, account = newAccountId()): LogEvent[] {
  const t = Date.UTC(2026, 2, 20);
  return Array.from({ length: n }, (_, i) => {
    switch (i % 5) {
      case 0:
        return logEvent({ account_id: account, receivedAt: t + i, ...(i % 2 === 0 ? fellBack() : {}) });
      case 1:
        return logEvent({ account_id: account, receivedAt: t + i, streamed: true, client_aborted: true, first_byte_at: null, error_code: "client_closed_request", status: 499 });
      case 2:
        return logEvent({ account_id: account, receivedAt: t + i, prompt_tokens: MAX, completion_tokens: MAX - 1, cached_tokens: 2 ** 40, reasoning_tokens: 1, cost_nano_usd: MAX, ...longestRouting() });
      case 3:
        return logEvent({ account_id: account, key_id: null, receivedAt: t + i, model: null, provider: null, upstream_model: null, attempts: 0, route: null, data_region: null, attempt_log: [], status: 404, error_code: "not_found", ip: null, user_agent: null, edge_location: null, prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0 });
      default:
        // The event schema allows printable ASCII only; the table takes any text, so the write path must too.
        return logEvent({ account_id: account, receivedAt: t + i, user_agent: `Mözilla/5.0 (日本語; "quoted" \\ back\nslash) 🚀 ${i}`, ip: "2001:db8::1" });
    }
  });
}

/** `typeof()` and `quote()` of every column but the key: the stored type and exact value, as SQLite sees them. */
async function storedCells(d1: D1Database, table: SQLiteTable, keyColumn: string, key: string): Promise<Record<string, unknown>> {
  const names = Object.values(getTableColumns(table)).map((c) => c.name).filter((n) => n !== keyColumn);
  const cells = names.map((n) => `typeof("${n}") || ':' || quote("${n}") as "${n}"`).join(", ");
  const row = await d1.prepare(`select ${cells} from "${getTableName(table)}" where "${keyColumn}" = ?`).bind(key).first();
  expect(row).not.toBeNull();
  return row!;
}

describe("JSON row inserts", () => {
  it("rely on json_extract giving INTEGER for JSON integers, NULL for null, 0/1 for booleans, TEXT for strings", async () => {
    // Column affinity would turn an integral REAL into INTEGER on storage and hide a lossy conversion; check json_extract itself.
    const json = JSON.stringify([MAX, null, true, false, "日本語 🚀", 0, 1.5]);
    const paths = [0, 1, 2, 3, 4, 5, 6].map((i) => `typeof(json_extract(value, '$[${i}]')) || ':' || quote(json_extract(value, '$[${i}]'))`);
    const row = await env.LOGS_DB.prepare(`select ${paths.map((p, i) => `${p} as c${i}`).join(", ")} from json_each(?)`).bind(`[${json}]`).first();
    expect(row).toEqual({ c0: "integer:9007199254740991", c1: "null:NULL", c2: "integer:1", c3: "integer:0", c4: "text:'日本語 🚀'", c5: "integer:0", c6: "real:1.5" });
    // Integers are parsed as 64-bit, not through a double: 2^63 - 1 comes back exact.
    const wide = await env.LOGS_DB.prepare("select cast(json_extract(value, '$[0]') as text) as v from json_each(?)").bind("[[9223372036854775807]]").first<{ v: string }>();
    expect(wide!.v).toBe("9223372036854775807");
  });

  it("store every column with the type and value drizzle's own insert gives it", async () => {
    const logs = logsDb(env.LOGS_DB);
    const rows = variedEvents(5).map((e) => toLogRow(e, NOW));
    await insertRequestLogs(logs, rows);
    for (const row of rows) {
      const reference = { ...row, requestId: newRequestId() };
      await logs.insert(requestLogs).values(reference);
      expect(await storedCells(env.LOGS_DB, requestLogs, "request_id", row.requestId)).toEqual(await storedCells(env.LOGS_DB, requestLogs, "request_id", reference.requestId));
    }
    // And explicitly: integers stay INTEGER and exact, booleans are 0/1, nulls are NULL, text is unchanged.
    const big = await storedCells(env.LOGS_DB, requestLogs, "request_id", rows[2]!.requestId);
    expect(big).toMatchObject({ cost_nano_usd: "integer:9007199254740991", prompt_tokens: "integer:9007199254740991", cached_tokens: "integer:1099511627776", streamed: "integer:0" });
    const aborted = await storedCells(env.LOGS_DB, requestLogs, "request_id", rows[1]!.requestId);
    expect(aborted).toMatchObject({ streamed: "integer:1", client_aborted: "integer:1", first_byte_at: "null:NULL" });
    const anonymous = await storedCells(env.LOGS_DB, requestLogs, "request_id", rows[3]!.requestId);
    expect(anonymous).toMatchObject({ key_id: "null:NULL", model: "null:NULL", ip: "null:NULL", user_agent: "null:NULL", cost_nano_usd: "integer:0" });
    const [unicode] = await logs.select({ ua: requestLogs.userAgent }).from(requestLogs).where(eqId(rows[4]!.requestId));
    expect(unicode!.ua).toBe(rows[4]!.userAgent);
    // The attempt log is JSON text; a row without routing facts has NULLs, one without a call an empty list.
    const routed = await storedCells(env.LOGS_DB, requestLogs, "request_id", rows[0]!.requestId);
    expect(routed).toMatchObject({ route: "text:'openai-eu'", data_region: "text:'eu'", attempts: "integer:2", attempt_log: `text:'${JSON.stringify(fellBack().attempt_log)}'` });
    expect(aborted).toMatchObject({ route: "null:NULL", data_region: "null:NULL", attempt_log: "null:NULL" });
    expect(anonymous).toMatchObject({ route: "null:NULL", attempt_log: "text:'[]'" });
    const [longest] = await logs.select({ log: requestLogs.attemptLog }).from(requestLogs).where(eqId(rows[2]!.requestId));
    expect(longest!.log).toEqual(longestRouting().attempt_log);
  });

  it("store receipts with the type and value drizzle's own insert gives them", async () => {
    const billing = billingDb(env.BILLING_DB);
    const receipt = { requestId: newRequestId(), runId: crypto.randomUUID(), accountId: newAccountId(), day: "2026-03-20", model: "openai/gpt-4o-mini", promptTokens: MAX, completionTokens: 0, cachedTokens: 3, reasoningTokens: 4, costNanoUsd: MAX, providerCostNanoUsd: 7, billedAt: NOW };
    // A column with a default (provider_cost_nano_usd) must be given: the SELECT cannot fall back to the default.
    const { providerCostNanoUsd: _given, ...withoutDefaulted } = receipt;
    expect(() => jsonRowSelects(billingReceipts, [withoutDefaulted])).toThrow(/provider_cost_nano_usd/);
    const [select] = jsonRowSelects(billingReceipts, [receipt]);
    await billing.insert(billingReceipts).select(select!).onConflictDoNothing();
    const reference = { ...receipt, requestId: newRequestId() };
    await billing.insert(billingReceipts).values(reference);
    const cells = await storedCells(env.BILLING_DB, billingReceipts, "request_id", receipt.requestId);
    expect(cells).toEqual(await storedCells(env.BILLING_DB, billingReceipts, "request_id", reference.requestId));
    expect(cells).toMatchObject({ cost_nano_usd: "integer:9007199254740991", provider_cost_nano_usd: "integer:7", day: "text:'2026-03-20'" });
  });

  for (const n of [50, 120]) {
    it(`write ${n} events as one statement per table, every column round-tripping, and a redelivery changes nothing`, async () => {
      const account = newAccountId();
      const events = variedEvents(n, account);
      const logs = recordingD1(env.LOGS_DB);
      const billing = recordingD1(env.BILLING_DB);
      await writeEvents({ LOGS_DB: logs.db, BILLING_DB: billing.db }, events, NOW);

      expect(logs.record.batches).toEqual([1]);
      expect(billing.record.batches).toEqual([2]); // receipts, ledger
      for (const s of [...logs.record.statements, ...billing.record.statements]) expect(s.params).toBeLessThanOrEqual(2);

      const stored = await logsDb(env.LOGS_DB).select().from(requestLogs).where(eqAccount(account));
      expect(sortById(stored)).toEqual(sortById(events.map((e) => toLogRow(e, NOW))));
      const billable = events.filter((e) => e.attempts > 0);
      expect(await ledgerTotals(account)).toEqual({ requests: billable.length, cost: exactSum(billable) });

      // Redelivery in a new run: no row, receipt or ledger count changes.
      const receiptsBefore = await billingDb(env.BILLING_DB).select().from(billingReceipts);
      const ledgerBefore = await billingDb(env.BILLING_DB).select().from(usageLedger);
      await writeEvents(env, events, NOW + 60_000);
      expect(sortById(await logsDb(env.LOGS_DB).select().from(requestLogs).where(eqAccount(account)))).toEqual(sortById(stored));
      expect(await billingDb(env.BILLING_DB).select().from(billingReceipts)).toEqual(receiptsBefore);
      expect(await billingDb(env.BILLING_DB).select().from(usageLedger)).toEqual(ledgerBefore);
    });
  }

  it("add to the ledger only this run's receipts when old and new requests arrive together", async () => {
    const account = newAccountId();
    const old = variedEvents(60, account).filter((e) => e.attempts > 0);
    await writeEvents(env, old, NOW);
    const fresh = [logEvent({ account_id: account, receivedAt: Date.UTC(2026, 2, 20, 1), cost_nano_usd: 1 }), logEvent({ account_id: account, receivedAt: Date.UTC(2026, 2, 20, 2), cost_nano_usd: 2 })];
    await writeEvents(env, [...old.slice(0, 30), fresh[0]!, ...old.slice(30), fresh[1]!], NOW + 1);
    expect(await ledgerTotals(account)).toEqual({ requests: old.length + 2, cost: exactSum([...old, ...fresh]) });
  });

  it("split rows into several statements, in one batch, when the JSON would outgrow the size limit", async () => {
    const logs = logsDb(env.LOGS_DB);
    const account = newAccountId();
    const rows = variedEvents(40, account).map((e) => toLogRow(e, NOW));
    const selects = jsonRowSelects(requestLogs, rows, 2_000);
    expect(selects.length).toBeGreaterThan(5);
    const [first, ...rest] = selects.map((s) => logs.insert(requestLogs).select(s).onConflictDoNothing());
    await logs.batch([first!, ...rest]);
    expect(sortById(await logs.select().from(requestLogs).where(eqAccount(account)))).toEqual(sortById(rows));
    // Unsplit under the real limit.
    expect(jsonRowSelects(requestLogs, rows)).toHaveLength(1);
  });

  it("join encoded rows into JSON arrays under the byte limit, in order, a too-large row alone", () => {
    const rows = ["[1]", `["${"é".repeat(100)}"]`, "[2]", `["${"x".repeat(500)}"]`, "[3]", "[4]"];
    const arrays = jsonArrays(rows, 400);
    expect(arrays.flatMap((a) => JSON.parse(a) as unknown[])).toEqual(rows.map((r) => JSON.parse(r) as unknown));
    for (const a of arrays) {
      const utf8 = new TextEncoder().encode(a).length;
      if ((JSON.parse(a) as unknown[]).length > 1) expect(utf8).toBeLessThanOrEqual(400);
    }
    expect(arrays).toContain(`[${rows[3]}]`);
    expect(jsonArrays([], 400)).toEqual([]);
    // Sizes are exact UTF-8 bytes: ASCII rows fill an array to the limit; an emoji is 4 bytes.
    const ascii = `["${"a".repeat(95)}"]`; // 99 bytes, 100 with its comma
    expect(jsonArrays(Array<string>(8).fill(ascii), 402).map((a) => (JSON.parse(a) as unknown[]).length)).toEqual([4, 4]);
    const emoji = `["${"😀".repeat(24)}"]`; // 96 + 4 bytes
    expect(new TextEncoder().encode(emoji).length).toBe(100);
    expect(jsonArrays(Array<string>(4).fill(emoji), 406).map((a) => (JSON.parse(a) as unknown[]).length)).toEqual([4]);
    expect(jsonArrays(Array<string>(4).fill(emoji), 405).map((a) => (JSON.parse(a) as unknown[]).length)).toEqual([3, 1]);
    expect(jsonArrays(rows, MAX_JSON_PARAM_BYTES)).toEqual([`[${rows.join(",")}]`]);
  });

  it("does nothing for no rows", async () => {
    const logs = recordingD1(env.LOGS_DB);
    const billing = recordingD1(env.BILLING_DB);
    await insertRequestLogs(logsDb(logs.db), []);
    await recordUsage(billingDb(billing.db), [], crypto.randomUUID(), NOW);
    expect([...logs.record.batches, ...billing.record.batches]).toEqual([]);
  });
});

const eqId = (id: string) => eq(requestLogs.requestId, id);
const eqAccount = (account: string) => eq(requestLogs.accountId, account);

/** The ledger's cost sum passes 2^53 here, beyond a JS number: read it as text, add up as BigInt. */
async function ledgerTotals(account: string) {
  const row = await env.BILLING_DB.prepare("select sum(requests) as requests, cast(sum(cost_nano_usd) as text) as cost from usage_ledger where account_id = ?").bind(account).first<{ requests: number; cost: string }>();
  return { requests: row!.requests, cost: BigInt(row!.cost) };
}
const exactSum = (events: LogEvent[]) => events.reduce((sum, e) => sum + BigInt(e.cost_nano_usd), 0n);
const sortById = <T extends Pick<NewRequestLog, "requestId">>(rows: T[]) => [...rows].sort((a, b) => a.requestId.localeCompare(b.requestId));
