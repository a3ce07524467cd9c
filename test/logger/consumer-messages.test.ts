/**
 * The log queue message carries many events (`{events: [...]}`, one router
 * isolate's send window); single-event messages from routers deployed before
 * batching are still accepted.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_EVENTS_ACCEPTED_PER_MESSAGE, MAX_EVENTS_PER_MESSAGE } from "../../src/shared/log-event";
import { recordingD1 } from "../helpers/d1-recorder";
import { fellBack, logEvent, longestRouting, newAccountId } from "../helpers/log-events";
import { asMessages, deliver, failingLogsDb, ledger, logRows, watchDeadLetters } from "../helpers/logger-queue";

afterEach(() => {
  vi.restoreAllMocks();
});


describe("log queue messages with many events", () => {
  it("writes every event of every message once and acknowledges the messages, up to 50 a message as routers before the attempt log sent", async () => {
    const account = newAccountId();
    expect(MAX_EVENTS_ACCEPTED_PER_MESSAGE).toBeGreaterThanOrEqual(50);
    expect(MAX_EVENTS_PER_MESSAGE).toBeLessThanOrEqual(MAX_EVENTS_ACCEPTED_PER_MESSAGE);
    const first = Array.from({ length: MAX_EVENTS_ACCEPTED_PER_MESSAGE }, () => logEvent({ account_id: account }));
    const second = [logEvent({ account_id: account }), logEvent({ account_id: account })];
    const messages = asMessages([{ events: first }, { events: second }]);
    const result = await deliver(messages);
    expect(result.explicitAcks.sort()).toEqual(messages.map((m) => m.id).sort());
    expect(result.retryMessages).toEqual([]);

    const ids = (await logRows()).filter((r) => r.accountId === account).map((r) => r.requestId).sort();
    expect(ids).toEqual([...first, ...second].map((e) => e.request_id).sort());
    const [row] = (await ledger()).filter((l) => l.accountId === account);
    expect(row).toMatchObject({ requests: first.length + second.length });
  });

  it("writes a full consumer batch (10 messages of 50 events) in one D1 batch per database, under D1's limits", async () => {
    const account = newAccountId();
    const bodies = Array.from({ length: 10 }, () => ({ events: Array.from({ length: MAX_EVENTS_ACCEPTED_PER_MESSAGE }, () => logEvent({ account_id: account })) }));
    const logs = recordingD1(env.LOGS_DB);
    const billing = recordingD1(env.BILLING_DB);
    const result = await deliver(asMessages(bodies), { ...env, LOGS_DB: logs.db, BILLING_DB: billing.db });
    expect(result.explicitAcks).toHaveLength(10);
    expect((await logRows()).filter((r) => r.accountId === account)).toHaveLength(500);
    const [row] = (await ledger()).filter((l) => l.accountId === account);
    expect(row).toMatchObject({ requests: 500 });
    expect([logs.record.batches, billing.record.batches]).toEqual([[1], [2]]);
    for (const st of [...logs.record.statements, ...billing.record.statements]) expect(st.params).toBeLessThan(100);
  });

  it("writes a full consumer batch of the largest routing records, split by size, each statement still under D1's limits", async () => {
    const account = newAccountId();
    const event = () => logEvent({ account_id: account, ...longestRouting() });
    const bodies = Array.from({ length: 10 }, () => ({ events: Array.from({ length: MAX_EVENTS_ACCEPTED_PER_MESSAGE }, event) }));
    const logs = recordingD1(env.LOGS_DB);
    const billing = recordingD1(env.BILLING_DB);
    const result = await deliver(asMessages(bodies), { ...env, LOGS_DB: logs.db, BILLING_DB: billing.db });
    expect(result.explicitAcks).toHaveLength(10);
    const rows = (await logRows()).filter((r) => r.accountId === account);
    expect(rows).toHaveLength(500);
    for (const r of rows) expect(r.attemptLog).toEqual(longestRouting().attempt_log);
    // 500 rows of ~4 KB outgrow one JSON parameter: several statements, still one D1 batch, one parameter each.
    expect(logs.record.batches).toHaveLength(1);
    expect(logs.record.batches[0]).toBeGreaterThan(1);
    for (const st of logs.record.statements) expect(st.params).toBe(1);
    for (const st of [...logs.record.statements, ...billing.record.statements]) expect(st.params).toBeLessThan(100);
  });

  it("stores events with and without the routing record side by side in one message", async () => {
    const account = newAccountId();
    const routed = logEvent({ account_id: account, ...fellBack() });
    const older = logEvent({ account_id: account });
    expect("attempt_log" in older || "route" in older || "data_region" in older).toBe(false);
    const result = await deliver(asMessages([{ events: [routed, older] }]));
    expect(result.explicitAcks).toHaveLength(1);
    const rows = (await logRows()).filter((r) => r.accountId === account);
    const byId = (id: string) => rows.find((r) => r.requestId === id);
    expect(byId(routed.request_id)).toMatchObject({ route: "openai-eu", dataRegion: "eu", attempts: 2, attemptLog: fellBack().attempt_log });
    expect(byId(older.request_id)).toMatchObject({ route: null, dataRegion: null, attempts: 1, attemptLog: null });
  });

  it("still accepts a message that is one event (a router deployed before batching) beside batched ones", async () => {
    const [single, batched] = [logEvent(), logEvent()];
    const result = await deliver(asMessages([single, { events: [batched] }]));
    expect(result.explicitAcks).toHaveLength(2);
    const ids = (await logRows()).map((r) => r.requestId);
    expect(ids).toContain(single.request_id);
    expect(ids).toContain(batched.request_id);
  });

  it("dead-letters a malformed event by its position, without its content, and writes the rest of its message", async () => {
    const dlq = watchDeadLetters(env.LOG_DLQ);
    const canary = `canary-${crypto.randomUUID()}`;
    const good = [logEvent(), logEvent()];
    const bad = { ...logEvent(), prompt: canary };
    const messages = asMessages([{ events: [good[0], bad, good[1]] }]);
    const result = await deliver(messages);
    expect(result.explicitAcks).toEqual([messages[0]!.id]);

    const ids = (await logRows()).map((r) => r.requestId);
    for (const e of good) expect(ids).toContain(e.request_id);
    expect(ids).not.toContain(bad.request_id);
    const records = dlq.records();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ reason: "malformed_log_event", message_id: messages[0]!.id, event_index: 1, request_id: bad.request_id, issues: ["(root): unrecognized_keys"] });
    expect(JSON.stringify(records)).not.toContain(canary);
  });

  it("dead-letters a malformed envelope whole and acknowledges it", async () => {
    const dlq = watchDeadLetters(env.LOG_DLQ);
    const canary = `canary-${crypto.randomUUID()}`;
    const tooMany = Array.from({ length: MAX_EVENTS_ACCEPTED_PER_MESSAGE + 1 }, () => logEvent());
    const bodies = [{ events: [] }, { events: "not a list" }, { events: [logEvent()], note: canary }, { events: tooMany }];
    const messages = asMessages(bodies);
    const result = await deliver(messages);
    expect(result.explicitAcks.sort()).toEqual(messages.map((m) => m.id).sort());

    const records = dlq.records();
    expect(records.map((r) => r.message_id)).toEqual(messages.map((m) => m.id));
    for (const r of records) expect(r).toMatchObject({ reason: "malformed_log_message", event_index: null, request_id: null });
    expect(JSON.stringify(records)).not.toContain(canary);
    const ids = (await logRows()).map((r) => r.requestId);
    for (const e of tooMany) expect(ids).not.toContain(e.request_id);
  });

  it("retries every message with valid events when the write fails, and acknowledges one with none", async () => {
    const events = [logEvent(), logEvent(), logEvent()];
    const messages = asMessages([{ events: [events[0], events[1]] }, { events: ["garbage"] }, { events: [events[2]] }]);
    const result = await deliver(messages, { ...env, LOGS_DB: failingLogsDb() });
    expect(result.explicitAcks).toEqual([messages[1]!.id]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual([messages[0]!.id, messages[2]!.id].sort());
    const ids = (await logRows()).map((r) => r.requestId);
    for (const e of events) expect(ids).not.toContain(e.request_id);
  });

  it("on a failed write, replaces a message that also held malformed events by a clean one, so Queues never dead-letters a malformed body", async () => {
    const requeue = vi.spyOn(env.LOG_QUEUE, "send").mockResolvedValue({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as never);
    const canary = `canary-${crypto.randomUUID()}`;
    const [e0, e1, e2] = [logEvent(), logEvent(), logEvent()];
    const messages = asMessages([{ events: [e0, { ...logEvent(), prompt: canary }, e1] }, { events: [e2] }]);
    const result = await deliver(messages, { ...env, LOGS_DB: failingLogsDb() });
    expect(result.explicitAcks).toEqual([messages[0]!.id]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[1]!.id]);
    expect(requeue).toHaveBeenCalledTimes(1);
    expect(requeue.mock.calls[0]![0]).toEqual({ events: [e0, e1] });
    expect(JSON.stringify(requeue.mock.calls)).not.toContain(canary);
  });

  it("retries such a message as it is only if queueing its valid events fails too", async () => {
    vi.spyOn(env.LOG_QUEUE, "send").mockRejectedValue(new Error("queue unavailable"));
    const messages = asMessages([{ events: [logEvent(), "garbage"] }]);
    const result = await deliver(messages, { ...env, LOGS_DB: failingLogsDb() });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[0]!.id]);
  });
});
