/**
 * What one Durable Object RPC costs the calling workerd process, in process
 * and across Miniflare's dev registry (the split's proxy: bench/split.ts).
 * `npm run bench:rpc -- [seconds] [connections]`.
 *
 * A minimal worker answers POST requests three ways: with no call, after one
 * RPC to an object in its own process, and after one RPC to the same class
 * served by a second workerd process. Each way is loaded in a closed loop and
 * the caller process's CPU per request is read from /proc; the differences
 * are the per-call cost of each path, without the router's own work (the
 * baseline is taken on the in-process caller; both callers run the same
 * script in the same way, only the binding differs). The
 * objects (50, as the bench's accounts) echo a small record, as the
 * limiter's admit does.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuiltWorker } from "./build.ts";
import { runPlain } from "./load.ts";
import { cpuMs } from "./proc.ts";
import { launchWorkerd, type WorkerdInstance } from "./workerd.ts";

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 20);
const OBJECTS = 50;

const SCRIPT = `
import { DurableObject } from "cloudflare:workers";
export class Echo extends DurableObject {
  ping(request) { return { admitted: true, leaseId: request.leaseId, headers: { "x-ratelimit-remaining-requests": "99" } }; }
}
export default {
  async fetch(request, env) {
    if (new URL(request.url).pathname === "/none") return new Response("{}", { headers: { "content-type": "application/json" } });
    const stub = env.ECHO.get(env.ECHO.idFromName("account-" + Math.floor(Math.random() * ${OBJECTS})));
    const answer = await stub.ping({ leaseId: crypto.randomUUID(), tokens: 10 });
    return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
  },
};
`;

const dir = mkdtempSync(join(tmpdir(), "emby-proxy-cost-"));
mkdirSync(dir, { recursive: true });
const scriptPath = join(dir, "echo.mjs");
writeFileSync(scriptPath, SCRIPT);

const worker = (name: string, echo: Record<string, unknown>): BuiltWorker => ({
  name,
  scriptPath,
  options: { name, compatibilityDate: "2026-11-01", durableObjects: { ECHO: echo } } as BuiltWorker["options"],
  vars: {},
  d1: [],
});

async function measure(instance: WorkerdInstance, path: string, label: string): Promise<number> {
  const target = { origin: instance.url, path, headers: { "content-type": "application/json" }, body: "{}" };
  await runPlain(target, { connections, durationMs: 1_000, maxRequests: 1e9 });
  const before = cpuMs(instance.pid!)!.total;
  const run = await runPlain(target, { connections, durationMs: seconds * 1_000, maxRequests: 1e9 });
  if (run.ok === 0) throw new Error(`${label}: no request answered (${run.firstError ?? "no error recorded"})`);
  const us = ((cpuMs(instance.pid!)!.total - before) * 1_000) / run.ok;
  console.log(`${label.padEnd(44)} ${String(Math.round((run.ok * 1000) / run.elapsedMs)).padStart(7)} req/s  ${String(Math.round(us)).padStart(6)} µs CPU/req (caller process)  errors ${run.errors}${run.firstError ? ` (${run.firstError.slice(0, 80)})` : ""}`);
  return us;
}

const registryDir = mkdtempSync(join(tmpdir(), "emby-proxy-registry-"));
const sharedStorage = mkdtempSync(join(tmpdir(), "emby-proxy-shared-"));
const launched: WorkerdInstance[] = [];
const launch = async (...args: Parameters<typeof launchWorkerd>) => {
  const instance = await launchWorkerd(...args);
  launched.push(instance);
  return instance;
};
try {
  const local = await launch([{ built: worker("caller-local", { className: "Echo" }), bindings: {} }]);
  const state = await launch([{ built: worker("echo-state", { className: "Echo" }), bindings: {} }], { shared: { registryDir, storageDir: sharedStorage, migrate: false } });
  const remote = await launch([{ built: worker("caller-remote", { className: "Echo", scriptName: "echo-state" }), bindings: {} }], { shared: { registryDir, storageDir: sharedStorage, migrate: false } });
  console.log(`${seconds} s per way after 1 s warm-up, ${connections} connections, ${OBJECTS} objects`);
  const none = await measure(local, "/none", "no call");
  const inProcess = await measure(local, "/call", "one RPC, object in the same process");
  const stateBefore = cpuMs(state.pid!)!.total;
  const crossBefore = Date.now();
  const cross = await measure(remote, "/call", "one RPC, object in another process (proxy)");
  console.log(`per call: in process +${Math.round(inProcess - none)} µs, across processes +${Math.round(cross - none)} µs in the caller's process (state process: ${Math.round(cpuMs(state.pid!)!.total - stateBefore)} ms CPU over ${((Date.now() - crossBefore) / 1000).toFixed(1)} s)`);
} finally {
  for (const instance of launched.reverse()) await instance.close().catch(() => {});
  for (const d of [dir, registryDir, sharedStorage]) rmSync(d, { recursive: true, force: true });
}
