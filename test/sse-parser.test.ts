import { describe, expect, it } from "vitest";
import { mulberry32 } from "./helpers/random";
import { encodeSse, SseParser, type SseEvent } from "../src/providers/sse";

const enc = new TextEncoder();

function parseInPieces(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.slice(start, cut)));
    start = cut;
  }
  events.push(...parser.end());
  return events;
}


const SAMPLE =
  ': keep-alive comment\r\n\r\n' +
  'event: message_start\r\ndata: {"a":"héllo 🌍"}\r\n\r\n' +
  'data: {"b":1}\n\n' +
  'data: line one\ndata: line two\n\n' +
  'data:no-space\r\r' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: "message_start", data: '{"a":"héllo 🌍"}' },
  { data: '{"b":1}' },
  { data: "line one\nline two" },
  { data: "no-space" },
  { data: "[DONE]" },
];

describe("SSE parser", () => {
  it("parses events with LF, CRLF and CR line endings, comments and multi-line data", () => {
    expect(parseInPieces(enc.encode(SAMPLE), [])).toEqual(EXPECTED);
  });

  it("gives the same events whatever the byte boundaries (every single split)", () => {
    const bytes = enc.encode(SAMPLE);
    for (let cut = 1; cut < bytes.length; cut++) expect(parseInPieces(bytes, [cut]), `cut at ${cut}`).toEqual(EXPECTED);
  });

  it("gives the same events for 500 random multi-way splits (seeded)", () => {
    const bytes = enc.encode(SAMPLE);
    const random = mulberry32(42);
    for (let run = 0; run < 500; run++) {
      const cuts = Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * bytes.length)).sort((a, b) => a - b);
      expect(parseInPieces(bytes, cuts), `cuts ${cuts.join(",")}`).toEqual(EXPECTED);
    }
  });

  it("flushes a final event that lacks its blank line", () => {
    expect(parseInPieces(enc.encode("data: tail"), [])).toEqual([{ data: "tail" }]);
  });

  it("round-trips through encodeSse", () => {
    const text = new TextDecoder().decode(encodeSse(EXPECTED));
    expect(parseInPieces(enc.encode(text), [])).toEqual(EXPECTED);
  });
});
