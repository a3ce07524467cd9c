/**
 * Fixed-rate (open-loop) load: request i is due at start + i / rate, whatever
 * the earlier responses do, and its latency runs from that intended time, so
 * a stalled target is charged for the requests it held back (no coordinated
 * omission). The generator's own lag is measured and reported with the
 * results: how late requests left against their schedule, and Node's event
 * loop delay, which delays the reading of responses too.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Pool } from "undici";
import type { LoadTarget } from "./load.ts";

export interface OpenLoopOptions {
  ratePerSecond: number;
  durationMs: number;
  /** Keep-alive connections in the client's pool: enough that the client never queues (peak in flight shows it). */
  connections: number;
  /** After the last send, how long to wait for answers before counting the rest as errors. */
  drainTimeoutMs: number;
}

export interface OpenLoopRun {
  rate: number;
  /** Wall-clock time of the first intended send (ms since the epoch): relates completedAtMs across processes. */
  startEpochMs: number;
  /** The generator's own CPU over the run (ms): it has a core's worth at most. */
  generatorCpuMs: number;
  sent: number;
  ok: number;
  errors: number;
  firstError: string | null;
  /** Completed requests per second over the sending window plus the drain. */
  elapsedMs: number;
  /** From the intended send time to the last byte, and when each answer ended (ms after the start), in the same order. */
  latenciesMs: number[];
  completedAtMs: number[];
  /** When each error happened (ms after the start). */
  erroredAtMs: number[];
  /** How late each request left against its schedule. */
  sendLagMs: number[];
  /** Node's event loop delay during the run (ms): p99 and max. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Most requests in flight at once: reaching `connections` means the client queued. */
  peakInFlight: number;
  connections: number;
  /**
   * Streaming only: intended send time → first SSE event, and → first content
   * delta (the router sends nothing before content: its commit point, so a
   * route that fails first can still be left); content deltas and reads
   * carrying events, per stream.
   */
  ttfbMs: number[];
  firstContentMs: number[];
  chunksPerStream: number[];
  readsPerStream: number[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Non-empty content deltas in an SSE text (`"content":"x`: OpenAI chunks, any key order). */
const CONTENT_DELTA = /"content":"[^"]/g;

export async function runOpenLoop(target: LoadTarget, options: OpenLoopOptions, stream: boolean): Promise<OpenLoopRun> {
  const client = new Pool(target.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
  const extra = target.perConnection?.length ? target.perConnection : [{}];
  const headers = extra.map((h) => ({ ...target.headers, ...h }));
  const run: OpenLoopRun = {
    rate: options.ratePerSecond,
    startEpochMs: 0,
    generatorCpuMs: 0,
    sent: 0,
    ok: 0,
    errors: 0,
    firstError: null,
    elapsedMs: 0,
    latenciesMs: [],
    completedAtMs: [],
    erroredAtMs: [],
    sendLagMs: [],
    loopDelayP99Ms: 0,
    loopDelayMaxMs: 0,
    peakInFlight: 0,
    connections: options.connections,
    ttfbMs: [],
    firstContentMs: [],
    chunksPerStream: [],
    readsPerStream: [],
  };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  /** Set once the run gave up waiting: answers arriving after it are not counted. */
  let closed = false;
  let start = 0;
  const fail = (message: string) => {
    if (closed) return;
    run.errors++;
    run.erroredAtMs.push(performance.now() - start);
    run.firstError ??= message;
  };

  const one = async (index: number, intended: number) => {
    inFlight++;
    if (inFlight > run.peakInFlight) run.peakInFlight = inFlight;
    try {
      // Accounts in turn: each request of a run uses the next key (the router's limits are per account).
      const res = await client.request({ path: target.path, method: "POST", headers: headers[index % headers.length], body: target.body });
      if (res.statusCode !== 200) {
        fail(`HTTP ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
        return;
      }
      if (!stream) {
        await res.body.dump({ limit: Infinity });
      } else {
        let first: number | null = null;
        let firstContent: number | null = null;
        let chunks = 0;
        let reads = 0;
        for await (const piece of res.body as AsyncIterable<Buffer>) {
          const text = piece.toString("utf8");
          const found = text.match(CONTENT_DELTA)?.length ?? 0;
          if (found === 0 && !text.includes("\n\n")) continue;
          first ??= performance.now();
          if (found > 0) firstContent ??= performance.now();
          reads++;
          chunks += found;
        }
        if (closed) return;
        run.ttfbMs.push((first ?? performance.now()) - intended);
        // A stream without content has no first content: left out, not timed at its end.
        if (firstContent !== null) run.firstContentMs.push(firstContent - intended);
        run.chunksPerStream.push(chunks);
        run.readsPerStream.push(reads);
      }
      if (closed) return;
      const now = performance.now();
      run.ok++;
      run.latenciesMs.push(now - intended);
      run.completedAtMs.push(now - start);
    } catch (err) {
      fail(String(err));
    } finally {
      inFlight--;
    }
  };

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.max(1, Math.round((options.durationMs / 1000) * options.ratePerSecond));
  const cpuStart = process.cpuUsage();
  start = performance.now();
  run.startEpochMs = performance.timeOrigin + start;
  for (let i = 0; i < total; ) {
    const now = performance.now();
    // Everything due by now leaves now: a late tick sends its backlog at once, as clients arriving meanwhile would.
    while (i < total && start + i * intervalMs <= now) {
      const intended = start + i * intervalMs;
      run.sendLagMs.push(now - intended);
      run.sent++;
      const p = one(i, intended);
      pending.add(p);
      void p.finally(() => pending.delete(p));
      i++;
    }
    if (i < total) await sleep(Math.max(0, start + i * intervalMs - performance.now()));
  }
  const drained = Promise.all(pending);
  const timedOut = await Promise.race([drained.then(() => false), sleep(options.drainTimeoutMs).then(() => true)]);
  run.elapsedMs = performance.now() - start;
  loop.disable();
  run.loopDelayP99Ms = loop.percentile(99) / 1e6;
  run.loopDelayMaxMs = loop.max / 1e6;
  if (timedOut) {
    for (let n = 0; n < pending.size; n++) fail(`${pending.size} requests unanswered ${options.drainTimeoutMs} ms after the last send`);
  }
  closed = true;
  const cpu = process.cpuUsage(cpuStart);
  run.generatorCpuMs = (cpu.user + cpu.system) / 1000;
  await client.destroy();
  return run;
}

/** Runs the load in a child process (bench/open-loop-child.ts) and returns its run. */
export function runOpenLoopInChild(target: LoadTarget, options: OpenLoopOptions, stream: boolean): Promise<OpenLoopRun> {
  return new Promise((resolve, reject) => {
    const child = fork(join(import.meta.dirname, "open-loop-child.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let settled = false;
    child.once("message", (message: { run?: OpenLoopRun; error?: string }) => {
      settled = true;
      if (message.run) resolve(message.run);
      else reject(new Error(`load generator failed: ${message.error}`));
    });
    child.once("exit", (code) => {
      if (!settled) reject(new Error(`load generator exited (${code}) without a result`));
    });
    child.send({ target, options, stream });
  });
}
