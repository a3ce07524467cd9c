import { beforeAll, describe, expect, it } from "vitest";
import { upstreamSawAbort } from "./helpers/upstream-abort";
import { chat, newCustomer, releaseHold, sseData, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const decoder = new TextDecoder();

/** Reads from a stream until `predicate` holds for the text so far, or fails after `ms`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, predicate: (text: string) => boolean, ms = 3000): Promise<string> {
  let text = "";
  const deadline = Date.now() + ms;
  while (!predicate(text)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out; got so far: ${text}`);
    const result = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out; got so far: ${text}`)), remaining)),
    ]);
    if (result.done) break;
    text += decoder.decode(result.value, { stream: true });
  }
  return text;
}

const streamReq = (model: string, content: string, extra: Record<string, unknown> = {}) => ({
  model,
  stream: true,
  messages: [{ role: "user", content }],
  ...extra,
});

interface Chunk {
  choices: { delta: { content?: string }; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: { code: string };
}

describe("streaming", () => {
  for (const model of ["openai/gpt-4o-mini", "mistral/mistral-small-latest"]) {
    it(`delivers ${model} chunks before the upstream has finished (no buffering)`, async () => {
      const hold = `hold-${crypto.randomUUID()}`;
      const res = await chat(customer.key, streamReq(model, `fake:{"hold":"${hold}"}`));
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      // The upstream is holding after its first content chunk; it must already be here.
      const early = await readUntil(reader, (t) => t.includes("Hello from"));
      expect(early).not.toContain("[DONE]");
      await releaseHold(hold);
      const rest = await readUntil(reader, (t) => t.includes("[DONE]"));
      expect(early + rest).toContain("upstream.");
    });
  }

  it("keeps reading when an upstream read holds only a keep-alive comment", async () => {
    const data = await sseData(await chat(customer.key, streamReq("openai/gpt-4o-mini", 'fake:{"keepAlive":true}')));
    expect(data.at(-1)).toBe("[DONE]");
  });

  it("sends SSE headers with identity encoding so dev proxies do not buffer", async () => {
    const res = await chat(customer.key, streamReq("openai/gpt-4o-mini", "hi"));
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(res.headers.get("content-encoding")).toBe("identity");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    await res.text();
  });

  it("keeps upstream chunking: one event per upstream chunk, ending in [DONE]", async () => {
    const res = await chat(customer.key, streamReq("openai/gpt-4o-mini", 'fake:{"chunks":5,"chunkDelayMs":5}'));
    const data = await sseData(res);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    const contents = chunks.map((c) => c.choices[0]?.delta.content).filter((c) => c);
    expect(contents).toHaveLength(5);
    expect(contents.join("")).toBe("Hello from the fake upstream.");
  });

  for (const model of ["openai/gpt-4o-mini", "mistral/mistral-small-latest"]) {
    it(`${model}: no usage chunk unless the client asked for it`, async () => {
      const chunks = (await sseData(await chat(customer.key, streamReq(model, "hi")))).slice(0, -1).map((d) => JSON.parse(d) as Chunk);
      expect(chunks.every((c) => !c.usage)).toBe(true);
      expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
      expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("stop");
    });

    it(`${model}: a final usage chunk with empty choices when asked`, async () => {
      const data = await sseData(await chat(customer.key, streamReq(model, "hi", { stream_options: { include_usage: true } })));
      expect(data.at(-1)).toBe("[DONE]");
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
      const usageChunks = chunks.filter((c) => c.usage);
      expect(usageChunks).toHaveLength(1);
      expect(usageChunks[0]).toBe(chunks.at(-1));
      expect(usageChunks[0]!.choices).toEqual([]);
      expect(usageChunks[0]!.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(usageChunks[0]!.usage!.completion_tokens).toBeGreaterThan(0);
      expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    });
  }

  it("ends with an error event when the upstream drops mid-stream", async () => {
    const res = await chat(customer.key, streamReq("openai/gpt-4o-mini", 'fake:{"drop":"mid"}'));
    expect(res.status).toBe(200);
    const data = await sseData(res);
    const last = JSON.parse(data.at(-1)!) as Chunk;
    expect(last.error?.code).toMatch(/^upstream_stream_(interrupted|incomplete)$/);
    expect(data).not.toContain("[DONE]");
  });

  it("cancels the upstream request when the client disconnects", async () => {
    const marker = tag();
    const hold = `hold-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const res = await chat(customer.key, streamReq("openai/gpt-4o-mini", `${marker} fake:{"hold":"${hold}"}`), {}, controller.signal);
    const reader = res.body!.getReader();
    await readUntil(reader, (t) => t.includes("Hello from"));
    controller.abort();
    await reader.cancel().catch(() => {});
    // The fake sees its connection closed before it finished the response.
    expect(await upstreamSawAbort(marker)).toBe(true);
  });
});
