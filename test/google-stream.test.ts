import { describe, expect, it } from "vitest";
import { mulberry32 } from "./helpers/random";
import { geminiStreamTranslator } from "../src/providers/google/stream";
import { relaySse } from "../src/providers/relay";
import type { CallOutcome } from "../src/providers/types";
import streamTools from "./fixtures/google/stream-parallel-tools.json";
import streamText from "./fixtures/google/stream-text-usage.json";

const enc = new TextEncoder();

type Fixture = typeof streamText | typeof streamTools;

/** Runs the transform over `bytes` delivered in pieces cut at `cuts`; returns the client's text and the outcome. */
async function relay(fixture: Fixture, bytes: Uint8Array, cuts: number[]): Promise<{ text: string; outcome: CallOutcome }> {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(bytes.slice(start, cut));
    start = cut;
  }
  const upstream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
  let n = 0;
  let outcome: CallOutcome | undefined;
  const translator = geminiStreamTranslator({
    clientWantsUsage: fixture.clientWantsUsage,
    created: fixture.created,
    model: fixture.model,
    newToolCallId: () => `call_${++n}`,
  });
  const out = relaySse(upstream, translator, { onOutcome: (o: CallOutcome) => (outcome = o), clientSignal: new AbortController().signal });
  const text = await new Response(out).text();
  return { text, outcome: outcome! };
}

const dataOf = (text: string) => text.split("\n\n").filter((b) => b.startsWith("data: ")).map((b) => b.slice(6));
const parse = (d: string): unknown => (d === "[DONE]" ? d : JSON.parse(d));


describe("Gemini stream → OpenAI chunks", () => {
  for (const fixture of [streamText, streamTools]) {
    const bytes = enc.encode(fixture.sse);

    it(`golden: ${fixture.description}`, async () => {
      const { text, outcome } = await relay(fixture, bytes, []);
      expect(dataOf(text).map(parse)).toEqual(fixture.openai);
      expect(outcome.result).toBe("completed");
      expect(outcome.usage!.promptTokens).toBeGreaterThan(0);
    });

    it(`identical output when the bytes are split at every position: ${fixture.description}`, async () => {
      const whole = (await relay(fixture, bytes, [])).text;
      for (let cut = 1; cut < bytes.length; cut++) {
        const { text, outcome } = await relay(fixture, bytes, [cut]);
        // Events may be grouped differently across writes, but the event sequence is the same.
        expect(dataOf(text), `cut at ${cut}`).toEqual(dataOf(whole));
        expect(outcome.result).toBe("completed");
      }
    });

    it(`identical output for 300 seeded random multi-way splits: ${fixture.description}`, async () => {
      const whole = dataOf((await relay(fixture, bytes, [])).text);
      const random = mulberry32(5);
      for (let run = 0; run < 300; run++) {
        const cuts = Array.from({ length: 1 + Math.floor(random() * 20) }, () => Math.floor(random() * bytes.length)).sort((a, b) => a - b);
        expect(dataOf((await relay(fixture, bytes, cuts)).text), `cuts ${cuts.join(",")}`).toEqual(whole);
      }
    });
  }

  it("reports usage with cached and reasoning tokens in the outcome", async () => {
    const { outcome } = await relay(streamText, enc.encode(streamText.sse), []);
    expect(outcome.usage).toEqual({ promptTokens: 8, completionTokens: 25, cachedTokens: 4, reasoningTokens: 20 });
  });

  it("ends with an error event, not [DONE], when the upstream stops before a finishReason", async () => {
    const firstEvent = streamText.sse.slice(0, streamText.sse.indexOf("\r\n\r\n") + 4);
    const { text, outcome } = await relay(streamText, enc.encode(firstEvent), []);
    const data = dataOf(text);
    expect(data).not.toContain("[DONE]");
    expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { code: "upstream_stream_incomplete" } });
    expect(outcome.result).toBe("upstream_error");
  });

  it("ends with an error event when an upstream event is not JSON", async () => {
    const { text, outcome } = await relay(streamText, enc.encode("data: <html>\r\n\r\n"), []);
    expect(JSON.parse(dataOf(text).at(-1)!)).toMatchObject({ error: { code: "upstream_invalid_response" } });
    expect(outcome.result).toBe("upstream_error");
  });
});
