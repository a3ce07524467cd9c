/**
 * A small closed-loop load generator on undici: `connections` keep-alive
 * connections, each sending its next request as soon as the previous one has
 * been read to the end, bounded by time and by count. Latency is measured from
 * sending the request to the last byte of the response.
 */
import { Pool } from "undici";

export interface LoadTarget {
  /** Origin, e.g. http://127.0.0.1:8787 */
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** Extra headers per connection (connection i uses entry i mod length): one API key per connection. */
  perConnection?: Record<string, string>[];
  body: string;
}

export interface LoadOptions {
  connections: number;
  durationMs: number;
  /** Upper bound on requests, whatever the duration. */
  maxRequests: number;
}

export interface PlainRun {
  ok: number;
  errors: number;
  /** First error seen, for the report (status and start of the body, or the exception). */
  firstError: string | null;
  elapsedMs: number;
  latenciesMs: number[];
}

export interface StreamRun extends PlainRun {
  /** Request sent → first SSE event read. */
  ttfbMs: number[];
  /** Gaps between consecutive reads that carried events, over all streams. */
  gapsMs: number[];
  /** Reads that carried events, per stream: fewer than the upstream's chunks means coalescing. */
  readsPerStream: number[];
  eventsPerStream: number[];
}

function pool(target: LoadTarget, connections: number): Pool {
  return new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
}

/** Runs `one` on every connection in a loop until the time or count bound. */
async function closedLoop(options: LoadOptions, one: (connection: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const deadline = start + options.durationMs;
  let started = 0;
  const loop = async (connection: number) => {
    while (performance.now() < deadline && started < options.maxRequests) {
      started++;
      await one(connection);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => loop(i)));
  return performance.now() - start;
}

/** The request headers of each connection, built once. */
function headerSets(target: LoadTarget, connections: number): Record<string, string>[] {
  const extra = target.perConnection?.length ? target.perConnection : [{}];
  return Array.from({ length: connections }, (_, i) => ({ ...target.headers, ...extra[i % extra.length] }));
}

function describe(status: number, text: string): string {
  return `HTTP ${status}: ${text.slice(0, 200)}`;
}

export async function runPlain(target: LoadTarget, options: LoadOptions): Promise<PlainRun> {
  const client = pool(target, options.connections);
  const headers = headerSets(target, options.connections);
  const run: PlainRun = { ok: 0, errors: 0, firstError: null, elapsedMs: 0, latenciesMs: [] };
  run.elapsedMs = await closedLoop(options, async (connection) => {
    const t0 = performance.now();
    try {
      const res = await client.request({ path: target.path, method: "POST", headers: headers[connection], body: target.body });
      const text = await res.body.text();
      if (res.statusCode === 200) {
        run.ok++;
        run.latenciesMs.push(performance.now() - t0);
      } else {
        run.errors++;
        run.firstError ??= describe(res.statusCode, text);
      }
    } catch (err) {
      run.errors++;
      run.firstError ??= String(err);
    }
  });
  await client.close();
  return run;
}

/** Counts SSE event ends ("\n\n"), carrying a trailing "\n" across reads. */
function eventCounter() {
  let pendingNewline = false;
  return (chunk: Buffer): number => {
    let n = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== 10) {
        if (chunk[i] !== 13) pendingNewline = false;
        continue;
      }
      if (pendingNewline) {
        n++;
        pendingNewline = false;
      } else pendingNewline = true;
    }
    return n;
  };
}

export async function runStream(target: LoadTarget, options: LoadOptions): Promise<StreamRun> {
  const client = pool(target, options.connections);
  const headers = headerSets(target, options.connections);
  const run: StreamRun = { ok: 0, errors: 0, firstError: null, elapsedMs: 0, latenciesMs: [], ttfbMs: [], gapsMs: [], readsPerStream: [], eventsPerStream: [] };
  run.elapsedMs = await closedLoop(options, async (connection) => {
    const t0 = performance.now();
    try {
      const res = await client.request({ path: target.path, method: "POST", headers: headers[connection], body: target.body });
      if (res.statusCode !== 200) {
        run.errors++;
        run.firstError ??= describe(res.statusCode, await res.body.text());
        return;
      }
      const count = eventCounter();
      let first: number | null = null;
      let last = 0;
      let reads = 0;
      let events = 0;
      const gaps: number[] = [];
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        const n = count(chunk);
        if (n === 0) continue;
        const now = performance.now();
        if (first === null) first = now;
        else gaps.push(now - last);
        last = now;
        reads++;
        events += n;
      }
      run.ok++;
      run.latenciesMs.push(performance.now() - t0);
      run.ttfbMs.push((first ?? performance.now()) - t0);
      run.gapsMs.push(...gaps);
      run.readsPerStream.push(reads);
      run.eventsPerStream.push(events);
    } catch (err) {
      run.errors++;
      run.firstError ??= String(err);
    }
  });
  await client.close();
  return run;
}
