/**
 * Incremental Server-Sent Events parsing, robust to any chunk boundary: bytes may
 * split an event, a line, a CRLF pair or a multi-byte UTF-8 character anywhere.
 * Shared by every adapter that reads an upstream event stream.
 */

export interface SseEvent {
  /** The `event:` field, or undefined for the default "message" event. */
  event?: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /**
   * `data` already parsed as JSON, set by a wrapper that parsed (and rewrote)
   * an event before handing it to a translator (the Azure route's, which
   * strips its filter fields from every chunk), or by a translator on the
   * events it emits (for one that follows it: thenTranslate), so the next
   * reader need not parse the same text again; `data` must be its
   * JSON text, and neither may change after. A reader of `data` may
   * use it in place of JSON.parse; the wire never sees it (encodeSse writes
   * `data`), and a parser never sets it.
   */
  parsed?: unknown;
}

export class SseParser {
  private readonly decoder = new TextDecoder();
  private buffer = "";
  private pendingCr = false;
  private event: string | undefined;
  private dataLines: string[] = [];

  /** Feeds bytes, returns the events completed by them. */
  push(bytes: Uint8Array): SseEvent[] {
    return this.pushText(this.decoder.decode(bytes, { stream: true }));
  }

  /** Flushes at end of stream: a final event without its blank line still counts. */
  end(): SseEvent[] {
    const events = this.pushText(this.decoder.decode());
    if (this.buffer.length > 0) this.handleLine(this.buffer, events);
    this.buffer = "";
    this.dispatch(events);
    return events;
  }

  private pushText(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let input = text;
    // A CR at the end of the previous chunk may be the first half of CRLF.
    if (this.pendingCr && input.startsWith("\n")) input = input.slice(1);
    this.pendingCr = false;
    this.buffer += input;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      this.handleLine(this.buffer.slice(start, i), events);
      if (ch === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private handleLine(line: string, events: SseEvent[]): void {
    if (line === "") return this.dispatch(events);
    if (line.startsWith(":")) return; // comment / keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.dataLines.push(value);
    else if (field === "event") this.event = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      events.push(this.event === undefined ? { data: this.dataLines.join("\n") } : { event: this.event, data: this.dataLines.join("\n") });
    }
    this.dataLines = [];
    this.event = undefined;
  }
}

const encoder = new TextEncoder();

/** Serialises events back to the wire (a data value with newlines takes several lines). */
export function encodeSse(events: readonly SseEvent[]): Uint8Array {
  let text = "";
  for (const e of events) {
    if (e.event !== undefined) text += `event: ${e.event}\n`;
    text += e.data.includes("\n") ? `data: ${e.data.replaceAll("\n", "\ndata: ")}\n\n` : `data: ${e.data}\n\n`;
  }
  return encoder.encode(text);
}

/** Headers of every SSE response; identity encoding keeps wrangler dev from buffering it. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "content-encoding": "identity",
};
