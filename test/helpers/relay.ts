/** Runs an SSE translator over bytes cut at given positions; returns the events it wrote. */
import { relaySse } from "../../src/providers/relay";
import type { SseTranslator } from "../../src/providers/sse-translator";
import { SseParser, type SseEvent } from "../../src/providers/sse";
import { mulberry32 } from "./random";

export async function translate(make: () => SseTranslator, bytes: Uint8Array, cuts: number[] = []): Promise<SseEvent[]> {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > start) pieces.push(bytes.slice(start, cut));
    start = Math.max(start, cut);
  }
  const upstream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
  const out = relaySse(upstream, make(), { clientSignal: new AbortController().signal });
  const parser = new SseParser();
  const events: SseEvent[] = [];
  const reader = out.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    events.push(...parser.push(value));
  }
  return [...events, ...parser.end()].map((e) => ({ ...e, data: e.data.replace(/"created":\d+/, '"created":0') }));
}

export function seededCuts(seed: number, length: number, runs: number): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: runs }, () => Array.from({ length: 1 + Math.floor(random() * 10) }, () => Math.floor(random() * length)).sort((a, b) => a - b));
}
