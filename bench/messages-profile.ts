/**
 * `node bench/messages-profile.ts [model] [seconds] [rounds]`: a CPU profile
 * of the router's isolate under a streaming POST /v1/messages load to a model
 * that does not speak Anthropic's format (default openai/gpt-4o-mini), so the
 * request is translated to OpenAI's format and the stream back. Prints, per
 * round, the isolate's JavaScript time per request and the inclusive share of
 * the functions that do the stream's translation work, then the top
 * functions. The same fake upstream, accounts and build as `npm run bench`;
 * see docs/performance.md ("Round two").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startFake } from "./fake.ts";
import { runStream, type LoadTarget } from "./load.ts";
import { freePort } from "./net.ts";
import { startProfiler } from "./profile.ts";
import { buildRouter, routerTarget } from "./targets.ts";
import { storageDir } from "./workerd.ts";

const [model = "openai/gpt-4o-mini", secondsText = "5", roundsText = "3"] = process.argv.slice(2);
const CONNECTIONS = 20;
const CHUNKS = 20;
const CHUNK_DELAY_MS = 10;

/** Functions whose inclusive time is the stream's translation and relaying (names as bundled). */
const WATCHED = ["pull", "pushText", "encodeSse", "openAIToAnthropicStream", "translate", "push", "relaySse", "streamingResult", "commitReads"];

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** Inclusive share of each watched function name (once per sample), of the isolate's JS time. */
function shares(file: string): string {
  const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const notJs = new Set(["(root)", "(program)", "(idle)"]);
  const time = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || notJs.has(node.callFrame.functionName)) return;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const seen = new Set<string>();
    for (let n: Node | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
      const name = n.callFrame.functionName;
      if (WATCHED.includes(name) && !seen.has(name)) {
        seen.add(name);
        time.set(name, (time.get(name) ?? 0) + dt);
      }
    }
  });
  return WATCHED.map((name) => `    ${((100 * (time.get(name) ?? 0)) / Math.max(1, total)).toFixed(1).padStart(5)}%  ${name}`).join("\n");
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
  for (let round = 1; round <= Number(roundsText); round++) {
    const profiler = await startProfiler(inspectorPort);
    const run = await runStream(load, options(Number(secondsText) * 1000));
    const file = join("bench", "results", `messages-${model.replace("/", "_")}-${Date.now()}.cpuprofile`);
    const summary = await profiler.stop(file, run.ok + run.errors);
    const reads = run.readsPerStream.length ? run.readsPerStream.reduce((a, b) => a + b, 0) / run.readsPerStream.length : 0;
    console.log(`round ${round}: ${run.ok} ok, ${run.errors} errors${run.firstError ? ` (${run.firstError})` : ""}, ${reads.toFixed(1)} reads per stream`);
    console.log(summary.split("\n")[0]);
    console.log("  inclusive shares of the stream's work:\n" + shares(file));
    if (round === 1) console.log(summary.split("\n").slice(1).join("\n"));
  }
} finally {
  await target.close();
  await fake.close();
}
process.exit(0);
