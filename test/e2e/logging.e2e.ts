/**
 * End-to-end through both workers: the router and the logger under one
 * `wrangler dev` (scripts/stack.ts), sharing the local log queue and D1
 * databases. Each kind of request must leave exactly one log row with the
 * right status, tokens and latency, readable through /v1/generation; and a
 * canary sent in prompts must be found nowhere in local storage afterwards.
 */
import { sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryLocalD1, type Stack } from "../../scripts/stack.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";
import { filesHolding, stateFiles } from "./local-state.ts";

let e2e: E2EStack;
let stack: Stack;
let stateDir: string;
let key: string;

beforeAll(async () => {
  e2e = await startE2EStack("logging");
  ({ stack, stateDir, key } = e2e);
});

afterAll(async () => {
  await e2e?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  id: string;
  status: number;
  body: string;
  elapsedMs: number;
}

/** POSTs a chat completion; `abortAfterMs` disconnects the client that long after sending. */
async function send(body: Record<string, unknown>, options: { abortAfterMs?: number; readUntil?: string } = {}): Promise<Sent> {
  const controller = new AbortController();
  const started = Date.now();
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: controller.signal,
  }).catch((err: unknown) => err as Error);
  if (res instanceof Error) throw res;
  const id = res.headers.get("x-request-id")!;
  let text = "";
  if (options.abortAfterMs === undefined) text = await res.text();
  else {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    while (!options.readUntil || !text.includes(options.readUntil)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await sleep(Math.max(0, started + options.abortAfterMs - Date.now()));
    controller.abort();
  }
  return { id, status: res.status, body: text, elapsedMs: Date.now() - started };
}

/** Waits until /v1/generation knows each id (the logger consumed its event), returning the records. */
async function generations(ids: string[], timeoutMs = 40_000): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  const deadline = Date.now() + timeoutMs;
  while (found.size < ids.length && Date.now() < deadline) {
    for (const id of ids.filter((i) => !found.has(i))) {
      const res = await fetch(`${stack.url}/v1/generation?id=${id}`, { headers: { authorization: `Bearer ${key}` } });
      if (res.status === 200) found.set(id, ((await res.json()) as { data: Record<string, unknown> }).data);
      else await res.body?.cancel();
    }
    if (found.size < ids.length) await sleep(500);
  }
  return found;
}

const user = (content: string) => [{ role: "user", content }];

describe("logging through the queue and the logger worker", () => {
  it("leaves exactly one log row per request, with status, tokens and latency, matching /v1/generation", async () => {
    const ok = await send({ model: "mistral/mistral-small-latest", messages: user('fake:{"firstByteDelayMs":300}') });
    const okStream = await send({ model: "openai/gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: user('fake:{"chunks":4,"chunkDelayMs":100}') });
    const failed = await send({ model: "mistral/mistral-small-latest", messages: user('fake:{"status":500,"firstByteDelayMs":200}') });
    const failedStream = await send({ model: "openai/gpt-4o-mini", stream: true, messages: user('fake:{"drop":"mid"}') });
    // A 6-second stream the client leaves after 400 ms. Under `wrangler dev` the
    // disconnect reaches the router through the dev proxy once the router next
    // writes, so the stream must keep writing. (A client that leaves before any
    // response header is not passed on by the dev proxy at all; that case is
    // covered inside workerd by test/request-log.test.ts.)
    const abortedStream = await send({ model: "openai/gpt-4o-mini", stream: true, messages: user('fake:{"chunks":60,"chunkDelayMs":100}') }, { abortAfterMs: 400, readUntil: "data:" });

    expect([ok.status, okStream.status, failed.status, failedStream.status, abortedStream.status]).toEqual([200, 200, 502, 200, 200]);
    const usageOf = (text: string) => JSON.parse(text).usage as { prompt_tokens: number; completion_tokens: number };
    const okUsage = usageOf(ok.body);
    const streamUsage = usageOf(okStream.body.split("\n\n").filter((b) => b.includes('"usage":{')).at(-1)!.slice("data: ".length));

    const ids = [ok.id, okStream.id, failed.id, failedStream.id, abortedStream.id];
    const records = await generations(ids);
    expect([...records.keys()].sort()).toEqual([...ids].sort());

    const rows = queryLocalD1("LOGS_DB", `select * from request_logs where request_id in (${ids.map((id) => `'${id}'`).join(",")})`, stateDir);
    for (const id of ids) expect(rows.filter((r) => r.request_id === id)).toHaveLength(1);
    const byId = new Map(rows.map((r) => [r.request_id as string, r]));

    const check = (sent: Sent, expected: Record<string, unknown>, latency: { min: number; max: number }) => {
      const row = byId.get(sent.id)!;
      expect(row, sent.id).toMatchObject(expected);
      expect(row.latency_ms as number, sent.id).toBeGreaterThanOrEqual(latency.min);
      expect(row.latency_ms as number, sent.id).toBeLessThanOrEqual(latency.max);
      expect(records.get(sent.id)!).toMatchObject({
        id: sent.id,
        status: row.status,
        error_code: row.error_code,
        latency_ms: row.latency_ms,
        streamed: row.streamed === 1,
        cancelled: row.client_aborted === 1,
        usage_estimated: row.usage_estimated === 1,
        model: row.model,
        created_at: new Date(row.received_at as number).toISOString(),
        usage: { prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens },
      });
    };
    // The router measures from receipt to the end of the body, so it can't exceed what the client saw (plus clock slack).
    const upTo = (sent: Sent, min: number) => ({ min, max: sent.elapsedMs + 250 });
    check(ok, { status: 200, error_code: null, streamed: 0, client_aborted: 0, usage_estimated: 0, prompt_tokens: okUsage.prompt_tokens, completion_tokens: okUsage.completion_tokens, model: "mistral/mistral-small-latest" }, upTo(ok, 300));
    check(okStream, { status: 200, error_code: null, streamed: 1, client_aborted: 0, prompt_tokens: streamUsage.prompt_tokens, completion_tokens: streamUsage.completion_tokens, model: "openai/gpt-4o-mini" }, upTo(okStream, 400));
    check(failed, { status: 502, error_code: "upstream_error", streamed: 0, client_aborted: 0, prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0 }, upTo(failed, 200));
    // Broken off by the upstream after its first chunk: billed, like an abandoned stream, for what it generated.
    check(failedStream, { status: 200, error_code: "upstream_stream_error", streamed: 1, client_aborted: 0, usage_estimated: 1 }, upTo(failedStream, 0));
    expect(byId.get(failedStream.id)!.prompt_tokens as number).toBeGreaterThan(0);
    expect(byId.get(failedStream.id)!.completion_tokens as number).toBeGreaterThan(0);
    // Ended when the client left, long before the 6-second stream would have
    // (the token count that follows, which first loads the tokenizer, is not part of it).
    // Billed for what it generated: the prompt estimate, and the text relayed before the client left.
    check(abortedStream, { status: 200, error_code: "client_closed_request", streamed: 1, client_aborted: 1, usage_estimated: 1 }, { min: 350, max: 4000 });
    expect(byId.get(abortedStream.id)!.prompt_tokens as number).toBeGreaterThan(0);
    expect(byId.get(abortedStream.id)!.cost_nano_usd as number).toBeGreaterThan(0);
    expect(byId.get(ok.id)!.cost_nano_usd as number).toBeGreaterThan(0);
    expect(byId.get(okStream.id)!.cost_nano_usd as number).toBeGreaterThan(0);
  });

  it("stores a prompt canary nowhere: no D1 database, no Durable Object, though the upstream received it", async () => {
    const canary = `canary-${crypto.randomUUID()}`;
    const sent = [
      await send({ model: "mistral/mistral-small-latest", messages: [{ role: "system", content: canary }, ...user(`${canary} fake:{"reply":"${canary}"}`)] }),
      await send({ model: "openai/gpt-4o-mini", stream: true, messages: user(`${canary} fake:{"reply":"${canary}","chunks":1}`) }),
      await send({ model: "openai/gpt-4o-mini", stream: true, stream_options: { include_usage: true }, messages: user(`tell me about ${canary}`) }),
      await send({ model: "mistral/mistral-small-latest", stream: true, messages: user(`${canary} fake:{"status":400}`) }),
      await send({ model: `openai/${canary}`, messages: user(canary) }),
    ];
    expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 400, 404]);
    expect(sent[0]!.body).toContain(canary);
    const received = (await (await fetch(`${stack.fake!.url}/__requests?tag=${canary}`)).json()) as { requests: unknown[] };
    expect(received.requests).toHaveLength(4);

    // Every request is logged (so the logger has written its rows) before the state is inspected.
    const records = await generations(sent.map((s) => s.id));
    expect(records.size).toBe(sent.length);
    await stack.stop();

    const contents = stateFiles(stateDir);
    // The scan is not vacuous: it sees the D1 files and finds what they do store.
    expect(contents.some((c) => c.path.includes(`${sep}d1${sep}`) && c.path.endsWith(".sqlite"))).toBe(true);
    for (const { id } of sent) expect(filesHolding(contents, id).length).toBeGreaterThan(0);
    expect(filesHolding(contents, canary)).toEqual([]);
  });
});
