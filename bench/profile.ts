/**
 * `--profile`: a CPU profile of the router's isolate (its Durable Objects run
 * there too) over the DevTools protocol of workerd's inspector, written as a
 * .cpuprofile (open it in Chrome DevTools or speedscope) and summarised as the
 * functions with the most self and inclusive JavaScript time. Other isolates
 * of the same workerd (Miniflare's entry, outbound, queue broker and D1
 * workers, the logger) share its thread, so per-isolate totals are not
 * attributable; the split inside the router is. Profiling slows the worker:
 * that run's figures are for finding costs, not for the table.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Profiler {
  /** Stops sampling, writes the profile to `file`, returns the printed summary. */
  stop(file: string, requests: number): Promise<string>;
}

/** Samples that are not JavaScript of this isolate. */
const NOT_JS = new Set(["(root)", "(program)", "(idle)"]);

const frameName = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop() || "native"}:${n.callFrame.lineNumber + 1}`;

/** JavaScript time (ms) of a profile, garbage collection included. */
function jsMs(profile: CpuProfile): number {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let us = 0;
  profile.samples.forEach((id, i) => {
    const fn = byId.get(id)?.callFrame.functionName ?? "(idle)";
    if (!NOT_JS.has(fn)) us += profile.timeDeltas[i] ?? 0;
  });
  return us / 1000;
}

/** Top functions by self and inclusive JS time; inclusive counts a function once per sample. */
function topFunctions(profile: CpuProfile, top = 12): string {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || NOT_JS.has(node.callFrame.functionName)) return;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const k = frameName(n);
      if (NOT_JS.has(n.callFrame.functionName) || seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `    ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  return `  self (% of the isolate's JS time):\n${list(self)}\n  inclusive:\n${list(inclusive)}`;
}

interface Session {
  id: string;
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

async function connect(id: string, url: string): Promise<Session> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`inspector connection to ${id} failed`)), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  // A workerd that died must not hang the caller (the soak samples in a loop).
  ws.addEventListener("close", () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`inspector connection to ${id} closed`));
    pending.clear();
  });
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  return {
    id,
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const callId = nextId++;
        // Profiler.stop can take a while on a long profile; nothing the bench asks takes a minute.
        const timer = setTimeout(() => {
          pending.delete(callId);
          reject(new Error(`inspector ${method} on ${id}: no answer in 60 s`));
        }, 60_000);
        const done = <T,>(f: (v: T) => void) => (v: T) => {
          clearTimeout(timer);
          f(v);
        };
        pending.set(callId, { resolve: done(resolve), reject: done(reject) });
        ws.send(JSON.stringify({ id: callId, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Starts sampling the isolate `isolate` of the workerd whose inspector listens on `port`. */
export async function startProfiler(port: number, isolate = "core:user:router"): Promise<Profiler> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const target = list.find((t) => t.id === isolate);
  if (!target) throw new Error(`no inspector target ${isolate} (have: ${list.map((t) => t.id).join(", ")})`);
  const session = await connect(target.id, target.webSocketDebuggerUrl);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 250 });
  await session.send("Profiler.start");
  return {
    async stop(file, requests) {
      const { profile } = (await session.send("Profiler.stop")) as { profile: CpuProfile };
      session.close();
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      const ms = jsMs(profile);
      return [
        `${isolate}: ${ms.toFixed(0)} ms of JavaScript over ${requests} requests (${((ms * 1000) / Math.max(1, requests)).toFixed(0)} µs each, profiler overhead included); profile: ${file}`,
        "Top functions (line numbers are in bench/.build/router/out/entry.js):",
        topFunctions(profile),
      ].join("\n");
    },
  };
}

/** The JavaScript heaps of a workerd's isolates, sampled over the inspector (the soak: is a growing RSS ours?). */
export interface HeapWatch {
  /** Used V8 heap per isolate (MiB), by isolate name without the `core:user:` prefix; null when a sample failed. */
  sample(): Promise<Record<string, number | null>>;
  close(): void;
}

/** Watches every user isolate of the workerd whose inspector listens on `port` (the router's, the limiter's, the logger's). */
export async function watchHeaps(port: number): Promise<HeapWatch> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const settled = await Promise.allSettled(list.filter((t) => t.id.startsWith("core:user:")).map((t) => connect(t.id, t.webSocketDebuggerUrl)));
  const sessions = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    sessions.forEach((s) => s.close());
    throw failed.reason;
  }
  return {
    async sample() {
      const entries = await Promise.all(
        sessions.map(async (session) => {
          const usage = (await session.send("Runtime.getHeapUsage").catch(() => null)) as { usedSize: number } | null;
          return [session.id.replace("core:user:", ""), usage ? usage.usedSize / 2 ** 20 : null] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
    close: () => sessions.forEach((s) => s.close()),
  };
}

