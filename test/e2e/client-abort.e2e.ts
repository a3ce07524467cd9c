/**
 * End-to-end under `wrangler dev`: a client that leaves a stream midway
 * cancels the upstream call and frees its concurrency slot. Also measures,
 * and prints, how long that takes here: from the client's abort to the
 * upstream connection closing (when the router learned the client had gone)
 * and to the slot being free for the next request. Locally the disconnect
 * reaches the router only when it next writes to the client, so the delay
 * follows the upstream's chunk interval; the test asserts order, not time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
/** A key of the demo account limited to one request at a time. */
let oneAtATime: string;

beforeAll(async () => {
  e2e = await startE2EStack("abort");
  const res = await fetch(`${e2e.stack.url}/admin/v1/accounts/${e2e.accountId}/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "one at a time", limits: { concurrency: 1 } }),
  });
  oneAtATime = ((await res.json()) as { key: string }).key;
});

afterAll(() => e2e?.stop());

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function ask(body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${e2e.stack.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${oneAtATime}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
}

/** A short request that needs the key's only slot: 200 once it is free, 429 while it is held. */
async function quick(): Promise<number> {
  const res = await ask({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "quick" }] });
  await res.text();
  return res.status;
}

interface UpstreamRecord {
  aborted: boolean;
  receivedAt: number;
  finishedAt: number | null;
}

async function upstreamRecord(marker: string): Promise<UpstreamRecord> {
  const res = await fetch(`${e2e.stack.fake!.url}/__requests?tag=${marker}`);
  return ((await res.json()) as { requests: UpstreamRecord[] }).requests[0]!;
}

describe("a client that leaves a stream midway, under wrangler dev", () => {
  for (const chunkDelayMs of [50, 400]) {
    it(`cancels the upstream and frees the slot (upstream chunks ${chunkDelayMs} ms apart)`, async () => {
      const chunks = 40;
      const marker = `abort-${crypto.randomUUID()}`;
      const controller = new AbortController();
      const res = await ask(
        { model: "mistral/mistral-small-latest", stream: true, messages: [{ role: "user", content: `${marker} fake:{"chunks":${chunks},"chunkDelayMs":${chunkDelayMs}}` }] },
        controller.signal,
      );
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      expect(await quick()).toBe(429);

      const abortedAt = Date.now();
      controller.abort();
      // The slot became free after the last refused poll was sent and before the first admitted one was answered.
      let lastRefusedSentAt = abortedAt;
      let admittedSentAt = 0;
      let freedAt = 0;
      for (let attempt = 0; attempt < 2_000 && !freedAt; attempt++) {
        const sentAt = Date.now();
        const status = await quick();
        if (status === 200) {
          admittedSentAt = sentAt;
          freedAt = Date.now();
        } else {
          expect(status).toBe(429);
          lastRefusedSentAt = sentAt;
          await sleep(5);
        }
      }
      const upstream = await upstreamRecord(marker);
      const streamWouldEnd = upstream.receivedAt + chunks * chunkDelayMs;

      // The router cancelled the upstream, and the slot was free, long before the stream would have ended.
      expect(upstream.aborted).toBe(true);
      expect(upstream.finishedAt!).toBeLessThan(streamWouldEnd);
      expect(freedAt).toBeGreaterThan(0);
      expect(freedAt).toBeLessThan(streamWouldEnd);
      const since = (t: number) => `${t - abortedAt} ms`;
      console.log(
        `chunks ${chunkDelayMs} ms apart, after the client's abort: upstream closed ${since(upstream.finishedAt!)}; ` +
          `last refused request sent ${since(lastRefusedSentAt)}, first admitted one sent ${since(admittedSentAt)}, answered ${since(freedAt)}`,
      );
    });
  }
});
