/**
 * `--profile`: a CPU profile of the router's isolate over the DevTools
 * protocol of workerd's inspector, written as a .cpuprofile (open it in
 * Chrome DevTools or speedscope) and summarised as the functions with the most
 * self and inclusive time. Profiling slows the worker: that run's figures are
 * for finding costs, not for the table.
 */
import { writeFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Profiler {
  stop(file: string): Promise<string>;
  /** Printed after stop(). */
  summary: string;
}

const SKIP = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

/** Top functions by self and by inclusive time; inclusive counts a function once per sample. */
export function summarise(profile: CpuProfile, top = 15): string {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const name = (n: ProfileNode) => {
    const file = n.callFrame.url.split("/").pop() || "native";
    return `${n.callFrame.functionName || "(anonymous)"} ${file}:${n.callFrame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(id);
    if (!node) return;
    const key = SKIP.has(node.callFrame.functionName) ? node.callFrame.functionName : name(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      if (SKIP.has(n.callFrame.functionName)) continue;
      const k = name(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join("\n");
  return `Router CPU profile (${(total / 1e6).toFixed(1)} s sampled; % of all samples, idle included)\nSelf time:\n${list(self)}\nInclusive time:\n${list(inclusive)}`;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** Attaches to the worker named `worker` (the router) and starts sampling. */
export async function startProfiler(port: number, worker = "router"): Promise<Profiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { title?: string; url?: string; webSocketDebuggerUrl: string }[];
  const target = targets.find((t) => `${t.title ?? ""} ${t.url ?? ""}`.includes(worker)) ?? targets[0];
  if (!target) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error("inspector connection failed")), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, Pending>();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 250 });
  await send("Profiler.start");
  const profiler: Profiler = {
    summary: "",
    async stop(file) {
      const { profile } = (await send("Profiler.stop")) as { profile: CpuProfile };
      ws.close();
      writeFileSync(file, JSON.stringify(profile));
      profiler.summary = summarise(profile);
      return file;
    },
  };
  return profiler;
}
