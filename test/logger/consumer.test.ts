import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { D1_MAX_BOUND_PARAMS } from "../../src/db/chunks";
import { billingDb } from "../../src/db/client";
import { billingReceipts } from "../../src/db/billing-schema";
import { LOG_ENDPOINTS, type LogEvent } from "../../src/shared/log-event";
import { recordingD1 } from "../helpers/d1-recorder";
import { fellBack, logEvent, newAccountId } from "../helpers/log-events";
import { asMessages, deliver, failingLogsDb, ledger, logRows, watchDeadLetters } from "../helpers/logger-queue";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A batch for one account: three calls of one model, one of another, one refused at auth (not billable). */
function mixedBatch(): LogEvent[] {
  const account = newAccountId();
  const t = Date.UTC(2026, 2, 10, 12);
  return [
    logEvent({ account_id: account, receivedAt: t }),
    logEvent({ account_id: account, receivedAt: t + 1000, prompt_tokens: 5, completion_tokens: 7, cost_nano_usd: 4_950 }),
    logEvent({ account_id: account, receivedAt: t + 2000, streamed: true }),
    logEvent({ account_id: account, receivedAt: t + 3000, model: "mistral/mistral-small-latest", provider: "mistral", upstream_model: "mistral-small-latest", cost_nano_usd: 7_000 }),
    logEvent({ account_id: null, key_id: null, model: null, provider: null, upstream_model: null, attempts: 0, status: 401, error_code: "missing_api_key", prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0, receivedAt: t }),
  ];
}

describe("log queue consumer", () => {
  it("writes one log row per request and adds billable requests to the ledger by account, day and model", async () => {
    const events = mixedBatch();
    const result = await deliver(asMessages(events));
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(events.length);

    const rows = await logRows();
    expect(rows.map((r) => r.requestId).sort()).toEqual(events.map((e) => e.request_id).sort());
    const first = rows.find((r) => r.requestId === events[0]!.request_id)!;
    expect(first).toMatchObject({ accountId: events[0]!.account_id, model: "openai/gpt-4o-mini", status: 200, promptTokens: 10, completionTokens: 20, latencyMs: 250, costNanoUsd: 13_500 });

    const account = events[0]!.account_id!;
    expect((await ledger()).filter((l) => l.accountId === account).map(({ updatedAt: _, ...l }) => l)).toEqual([
      { accountId: account, day: "2026-03-10", model: "mistral/mistral-small-latest", requests: 1, promptTokens: 10, completionTokens: 20, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 7_000, providerCostNanoUsd: 7_000 },
      { accountId: account, day: "2026-03-10", model: "openai/gpt-4o-mini", requests: 3, promptTokens: 25, completionTokens: 47, cachedTokens: 0, reasoningTokens: 0, costNanoUsd: 31_950, providerCostNanoUsd: 31_950 },
    ]);
  });

  it("records whether usage is estimated, and takes events from routers that do not send the field (read as false)", async () => {
    const estimated = logEvent({ streamed: true, client_aborted: true, error_code: "client_closed_request", usage_estimated: true });
    const reported = logEvent({ usage_estimated: false });
    const older = logEvent();
    expect("usage_estimated" in older).toBe(false);
    const result = await deliver(asMessages([estimated, reported, older]));
    expect(result.retryMessages).toEqual([]);
    const rows = await logRows();
    const flag = (id: string) => rows.find((r) => r.requestId === id)?.usageEstimated;
    expect([flag(estimated.request_id), flag(reported.request_id), flag(older.request_id)]).toEqual([true, false, false]);
  });

  it("takes and writes every endpoint name the router may send, `cache` (DELETE /v1/cache) included", async () => {
    expect(LOG_ENDPOINTS).toContain("cache");
    const events = LOG_ENDPOINTS.map((endpoint) => logEvent({ endpoint, model: null, provider: null, upstream_model: null, attempts: 0, prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0 }));
    const result = await deliver(asMessages(events));
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(events.length);
    const rows = await logRows();
    for (const event of events) expect(rows.find((r) => r.requestId === event.request_id)?.endpoint, event.endpoint).toBe(event.endpoint);
  });

  it("leaves one row per request and unchanged ledger totals when the same batch is delivered twice", async () => {
    const messages = asMessages(mixedBatch());
    await deliver(messages);
    const rowsBefore = await logRows();
    const ledgerBefore = await ledger();
    const receiptsBefore = await billingDb(env.BILLING_DB).select().from(billingReceipts);

    // Redelivery: the same messages (same ids and bodies), one more attempt.
    const again = await deliver(messages.map((m) => ({ ...m, attempts: 2 })));
    expect(again.explicitAcks).toHaveLength(messages.length);
    expect(again.retryMessages).toEqual([]);

    expect(await logRows()).toEqual(rowsBefore);
    expect(await ledger()).toEqual(ledgerBefore);
    expect(await billingDb(env.BILLING_DB).select().from(billingReceipts)).toEqual(receiptsBefore);
  });

  it("counts a request once when it appears twice in one batch or again beside new requests", async () => {
    const account = newAccountId();
    const old = logEvent({ account_id: account, receivedAt: Date.UTC(2026, 2, 11, 9) });
    await deliver(asMessages([old, old]));
    const fresh = logEvent({ account_id: account, receivedAt: Date.UTC(2026, 2, 11, 10), prompt_tokens: 1, completion_tokens: 1, cost_nano_usd: 750 });
    await deliver(asMessages([old, fresh]));

    expect((await logRows()).filter((r) => r.accountId === account)).toHaveLength(2);
    const [row] = (await ledger()).filter((l) => l.accountId === account);
    expect(row).toMatchObject({ requests: 2, promptTokens: 11, completionTokens: 21, costNanoUsd: 14_250 });
  });

  it("acknowledges a malformed message into the dead-letter queue, without its body, and still writes the others", async () => {
    const dlq = watchDeadLetters(env.LOG_DLQ);
    const good = [logEvent(), logEvent(), logEvent()];
    const canary = `canary-${crypto.randomUUID()}`;
    const withContent = { ...logEvent(), prompt: canary };
    const bodies: unknown[] = [good[0], withContent, good[1], `not an event ${canary}`, { v: 1 }, good[2]];
    const messages = asMessages(bodies);

    const result = await deliver(messages);
    expect(result.explicitAcks.sort()).toEqual(messages.map((m) => m.id).sort());
    expect(result.retryMessages).toEqual([]);
    expect(result.retryBatch.retry).toBe(false);

    const ids = (await logRows()).map((r) => r.requestId);
    for (const e of good) expect(ids).toContain(e.request_id);
    expect(ids).not.toContain(withContent.request_id);

    // One send for the batch's records.
    expect(dlq.spy).toHaveBeenCalledTimes(1);
    const records = dlq.records();
    expect(records).toHaveLength(3);
    expect(records.map((r) => r.message_id)).toEqual([messages[1]!.id, messages[3]!.id, messages[4]!.id]);
    expect(records[0]).toMatchObject({ reason: "malformed_log_event", request_id: withContent.request_id, attempts: 1 });
    expect(records[0]!.issues).toEqual(["(root): unrecognized_keys"]);
    expect(records[1]!.request_id).toBeNull();
    expect(JSON.stringify(records)).not.toContain(canary);
  });

  it("retries the valid messages when a database write fails, and still acknowledges malformed ones", async () => {
    const events = [logEvent(), logEvent()];
    const messages = asMessages([events[0], "garbage", events[1]]);
    const result = await deliver(messages, { ...env, LOGS_DB: failingLogsDb() });
    expect(result.explicitAcks).toEqual([messages[1]!.id]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([messages[0]!.id, messages[2]!.id].sort());
    const ids = (await logRows()).map((r) => r.requestId);
    for (const e of events) expect(ids).not.toContain(e.request_id);
    const billed = (await ledger()).map((l) => l.accountId);
    for (const e of events) expect(billed).not.toContain(e.account_id);
  });

  it("writes a full batch as one statement per table, each under D1's 100 bound parameters", async () => {
    const logs = recordingD1(env.LOGS_DB);
    const billing = recordingD1(env.BILLING_DB);
    const account = newAccountId();
    // Half with the routing record, half without (as older routers send): the columns change nothing here.
    const events = Array.from({ length: 50 }, (_, i) => logEvent({ account_id: account, receivedAt: Date.UTC(2026, 2, 12) + i, ...(i % 2 === 0 ? fellBack() : {}) }));
    const result = await deliver(asMessages(events), { ...env, LOGS_DB: logs.db, BILLING_DB: billing.db });
    expect(result.explicitAcks).toHaveLength(50);
    // One D1 batch per database: the log rows; the receipts, then the ledger upsert.
    expect(logs.record.batches).toEqual([1]);
    expect(billing.record.batches).toEqual([2]);
    const statements = [...logs.record.statements, ...billing.record.statements];
    expect(statements.map((s) => s.params)).toEqual([1, 1, 2]); // the JSON rows; the JSON rows; run id and time
    for (const s of statements) expect(s.params).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMS);
    const rows = (await logRows()).filter((r) => r.accountId === account);
    expect(rows).toHaveLength(50);
    expect(rows.filter((r) => r.route === "openai-eu" && r.attemptLog?.length === 2)).toHaveLength(25);
    expect((await ledger()).find((l) => l.accountId === account)?.requests).toBe(50);
  });
});

describe("the provider cost", () => {
  it("records the provider cost next to the customer price in the receipts and the ledger (an event without it: the price)", async () => {
    const account = newAccountId();
    const t = Date.UTC(2026, 2, 11, 12);
    const events = [
      logEvent({ account_id: account, receivedAt: t, cost_nano_usd: 11_000, provider_cost_nano_usd: 10_000 }),
      logEvent({ account_id: account, receivedAt: t + 1000, cost_nano_usd: 2_200, provider_cost_nano_usd: 2_000 }),
      logEvent({ account_id: account, receivedAt: t + 2000, cost_nano_usd: 500 }),
    ];
    expect((await deliver(asMessages(events))).retryMessages).toEqual([]);
    expect((await ledger()).filter((l) => l.accountId === account)).toMatchObject([{ requests: 3, costNanoUsd: 13_700, providerCostNanoUsd: 12_500 }]);
    const receipts = await billingDb(env.BILLING_DB).select().from(billingReceipts);
    expect(receipts.filter((r) => r.accountId === account).map((r) => r.providerCostNanoUsd).sort((x, y) => x - y)).toEqual([500, 2_000, 10_000]);
  });
});
