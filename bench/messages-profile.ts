/**
 * `node bench/messages-profile.ts [model] [seconds] [rounds]`: a CPU profile
 * of the router's isolate under a streaming POST /v1/messages load to a model
 * that does not speak Anthropic's format (default openai/gpt-4o-mini), so the
 * request is translated to OpenAI's format and the stream back. Round 1 is
 * profiled: the isolate's JavaScript time per request, the top functions and
 * the inclusive share of those that relay and translate the stream; every
 * round prints the workerd process's CPU per request. The same fake upstream, accounts and build as `npm run bench`;
 * see docs/performance.md ("Round two").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startFake } from "./fake.ts";
import { runStream, type LoadTarget } from "./load.ts";
import { freePort } from "./net.ts";
import { startProfiler } from "./profile.ts";
import { buildRouter, routerTarget } from "./targets.ts";
import { watchProcess } from "./proc.ts";
import { storageDir } from "./workerd.ts";

const [model = "openai/gpt-4o-mini", secondsText = "5", roundsText = "3"] = process.argv.slice(2);
const CONNECTIONS = 20;
const CHUNKS = 20;
const CHUNK_DELAY_MS = 10;

/** Functions whose inclusive time is the stream's translation and relaying (names as bundled). */
const WATCHED = ["pull", "pushText", "encodeSse", "translate", "parseEventData", "parseJson", "relaySse", "commitReads"];

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Inclusive share of each watched function name (once per sample) of the isolate's JS, by time and by sample count. */
function shares(file: string): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const notJs = new Set(["(root)", "(program)", "(idle)"]);
  const time = new Map<string, number>();
  const count = new Map<string, number>();
  let totalTime = 0;
  let totalCount = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || notJs.has(node.callFrame.functionName)) return;
    const dt = profile.timeDeltas[i] ?? 0;
    totalTime += dt;
    totalCount++;
    const seen = new Set<string>();
    for (let n: Node | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const name = n.callFrame.functionName;
      if (!WATCHED.includes(name) || !n.callFrame.url || seen.has(name)) continue;
      seen.add(name);
      time.set(name, (time.get(name) ?? 0) + dt);
      count.set(name, (count.get(name) ?? 0) + 1);
    }
  });
  const pct = (part: number, whole: number) => `${((100 * part) / Math.max(1, whole)).toFixed(1).padStart(5)}%`;
  return WATCHED.map((name) => `    ${pct(time.get(name) ?? 0, totalTime)} ${pct(count.get(name) ?? 0, totalCount)}  ${name}`).join("\n");
}

const fake = await startFake();
const built = buildRouter();
const inspectorPort = await freePort();
const target = await routerTarget(fake, built, { customers: CONNECTIONS, discardQueue: false, viaEntry: false, storageDir: storageDir(false), inspectorPort });
try {
  const chat = target.load({ stream: true, fake: { chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS } });
  const prompt = `Say hello. fake:${JSON.stringify({ chunks: CHUNKS, chunkDelayMs: CHUNK_DELAY_MS })}`;
  const load: LoadTarget = {
    ...chat,
    path: "/v1/messages",
    headers: { ...chat.headers, "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model, max_tokens: 256, stream: true, messages: [{ role: "user", content: prompt }] }),
  };
  const options = (ms: number) => ({ connections: CONNECTIONS, durationMs: ms, maxRequests: 1_000_000 });
  await runStream(load, options(2000));
  // Round 1 is profiled (the profiler slows the worker); the others measure the workerd process's CPU per request.
  for (let round = 1; round <= Number(roundsText); round++) {
    const profiler = round === 1 ? await startProfiler(inspectorPort) : null;
    const watch = watchProcess(target.pid);
    const run = await runStream(load, options(Number(secondsText) * 1000));
    const usage = watch.stop();
    const reads = run.readsPerStream.length ? run.readsPerStream.reduce((a, b) => a + b, 0) / run.readsPerStream.length : 0;
    const cpu = usage.cpuMs === null ? "?" : ((usage.cpuMs * 1000) / Math.max(1, run.ok)).toFixed(0);
    console.log(`round ${round}: ${run.ok} ok, ${run.errors} errors${run.firstError ? ` (${run.firstError})` : ""}, ${reads.toFixed(1)} reads per stream, workerd CPU ${cpu} µs per request${profiler ? " (profiled)" : ""}`);
    if (!profiler) continue;
    const file = join("bench", "results", `messages-${model.replace("/", "_")}-${Date.now()}.cpuprofile`);
    const summary = await profiler.stop(file, run.ok + run.errors);
    console.log(summary);
    console.log("  inclusive shares of the stream's work (by time; by sample count):\n" + shares(file));
  }
} finally {
  await target.close();
  await fake.close();
}
process.exit(0);
