/**
 * `npm run bench`: the router's overhead against the floor and a peer, side by
 * side, in one process tree on loopback. Prints a table and writes JSON to
 * bench/results/. See docs/performance.md.
 */
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startFake } from "./fake.ts";
import { measure } from "./measure.ts";
import { freePort } from "./net.ts";
import { parseOptions, TARGET_IDS, USAGE, type TargetId } from "./options.ts";
import { startProfiler } from "./profile.ts";
import { measureFixedRate, type FixedRateResult } from "./fixed-rate.ts";
import { fixedRateChecks, renderFixedRate } from "./fixed-rate-report.ts";
import type { Check } from "./format.ts";
import { soak, type SoakResult } from "./soak.ts";
import { renderSoak, soakChecks } from "./soak-report.ts";
import { checks, render, type RouterBindings } from "./report.ts";
import { buildRouter, directTarget, floorTarget, peerTarget, routerTarget, splitTarget, type Target } from "./targets.ts";
import { launchDescription, storageDir, workerdVersion } from "./workerd.ts";

const options = parseOptions(process.argv.slice(2));
if (!options) {
  console.log(USAGE);
  process.exit(0);
}

const version = (pkg: string) => {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
};
const commit = (() => {
  try {
    return execSync("git rev-parse --short HEAD", { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "?";
  }
})();

const started = Date.now();
const stamp = () => new Date(started).toISOString().replace(/[:.]/g, "-").slice(0, 19);
/** Inspector ports of the router's workerd (one process, and the split's router process) when --profile is on. */
const profilerPorts = new Map<TargetId, number>();
/** Which warm-path targets apply: what the router's config binds. */
let bindings: RouterBindings = { durableObjects: false, queueProducers: false };
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
const wanted = new Set<TargetId>(options.targets);
const storage = storageDir(options.diskStorage);
const targets: Target[] = [];
const fake = await startFake();
let exitCode = 0;
try {
  log(`fake upstream at ${fake.url}`);
  if (wanted.has("direct")) targets.push(directTarget(fake));
  if (wanted.has("floor") || wanted.has("router") || wanted.has("split")) {
    log("building the router (and logger) with wrangler from the repository's configs...");
    const built = buildRouter();
    const nonEmpty = (value: unknown) => typeof value === "object" && value !== null && Object.keys(value).length > 0;
    bindings = { durableObjects: nonEmpty(built.router.options.durableObjects), queueProducers: nonEmpty(built.router.options.queueProducers) };
    // The soak samples the isolates' JavaScript heaps over the inspector (bench/soak.ts).
    const inspectHeaps = options.soak > 0;
    if (wanted.has("floor")) targets.push(await floorTarget(fake, built.router, options.viaEntry, storage, inspectHeaps ? await freePort() : undefined));
    if (wanted.has("router")) {
      if (options.profile) profilerPorts.set("router", await freePort());
      const customers = options.accounts ?? Math.max(options.connections, options.streamConnections);
      const setup = { customers, discardQueue: options.discardQueue, viaEntry: options.viaEntry, storageDir: storage };
      const inspectorPort = profilerPorts.get("router");
      targets.push(await routerTarget(fake, built, { ...setup, ...(inspectorPort ? { inspectorPort } : {}) }));
    }
    if (wanted.has("split")) {
      log("starting the split: the router in one workerd, limiter objects, logger and D1 in another...");
      const customers = options.accounts ?? Math.max(options.connections, options.streamConnections);
      if (options.profile || inspectHeaps) profilerPorts.set("split", await freePort());
      const inspectorPort = profilerPorts.get("split");
      const stateInspectorPort = inspectHeaps ? await freePort() : undefined;
      targets.push(await splitTarget(fake, built, { customers, discardQueue: options.discardQueue, viaEntry: options.viaEntry, storageDir: storage, ...(inspectorPort ? { inspectorPort } : {}), ...(stateInspectorPort ? { stateInspectorPort } : {}) }));
    }
  }
  if (wanted.has("peer")) {
    log("starting the Portkey peer...");
    try {
      targets.push(await peerTarget(fake));
    } catch (err) {
      // No registry, say: the router's own figures are still worth having.
      log(`! Portkey peer unavailable, measuring without it: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  // Report order: the fake, the floor, the router, the peer.
  targets.sort((a, b) => TARGET_IDS.indexOf(a.id) - TARGET_IDS.indexOf(b.id));
  log(`measuring ${targets.map((t) => t.label).join(", ")}`);

  const soakMode = options.soak > 0;
  // The soak needs the floor's capacity only (its rate is a fraction of it): the closed loop runs the floor alone then.
  const closedLoopTargets = soakMode ? targets.filter((t) => t.id === "floor") : targets;
  if (soakMode && closedLoopTargets.length === 0) throw new Error("--soak needs the floor among the targets (its rate is a fraction of the floor's capacity)");
  const measurement = await measure(closedLoopTargets, fake, options, {
    log,
    async aroundRouter(target, load, run) {
      const port = profilerPorts.get(target);
      if (!port || !options.profile) return run();
      const profiler = await startProfiler(port);
      const result = await run();
      console.log(await profiler.stop(join("bench", "results", `${target}-${load}-${stamp()}.cpuprofile`), result.ok + result.errors));
      return result;
    },
  });

  const labels = Object.fromEntries(targets.map((t) => [t.id, t.label])) as Record<TargetId, string>;
  const floorPlain = measurement.plain.floor;
  const extra: { sections: string[]; checks: Check[]; closedLoopChecks: boolean } = { sections: [], checks: [], closedLoopChecks: !soakMode };
  let fixedRate: FixedRateResult | null = null;
  let soakResult: SoakResult | null = null;
  if (soakMode) {
    const rate = Math.max(1, Math.round(floorPlain!.requestsPerSecond * options.soakRate));
    log(`soak: ${targets.map((t) => t.label).join(", ")} at ${rate} req/s each for ${options.soak} min`);
    soakResult = await soak(targets, { minutes: options.soak, ratePerSecond: rate, intervalS: options.soakInterval, connections: options.rateConnections }, log);
    extra.sections.push(renderSoak(soakResult, labels));
    extra.checks.push(...soakChecks(soakResult, labels));
  } else if (options.rates.length > 0 && floorPlain) {
    const fixedOptions = { fractions: options.rates, streamFraction: options.streamRate, durationS: options.rateDuration, warmupS: options.rateWarmup, connections: options.rateConnections, chunks: options.chunks, chunkDelayMs: options.chunkDelayMs };
    const capacity = { floorRps: floorPlain.requestsPerSecond, floorCpuUsPerRequest: floorPlain.cpuUsPerRequest, floorCpuUsPerStream: measurement.stream.floor?.cpuUsPerRequest ?? null };
    fixedRate = await measureFixedRate(targets, capacity, fixedOptions, log);
    extra.sections.push(renderFixedRate(fixedRate, labels, fixedOptions));
    extra.checks.push(...fixedRateChecks(fixedRate, options.chunks));
  } else if (options.rates.length > 0) {
    log("! fixed-rate loads skipped: they are set as fractions of the floor's capacity, and the floor did not run");
  }
  const meta = {
    date: new Date().toISOString(),
    machine: `${cpus().length} CPU (${cpus()[0]?.model.trim() ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} at start`,
    versions: `Node ${process.versions.node}, workerd ${workerdVersion()}, miniflare ${version("miniflare")}, wrangler ${version("wrangler")}, commit ${commit}`,
    launch: launchDescription(options.viaEntry, storage),
  };
  console.log("");
  console.log(render(measurement, options, bindings, labels, meta, extra));
  mkdirSync(join("bench", "results"), { recursive: true });
  const json = {
    meta,
    options,
    labels,
    routerBindings: bindings,
    ...measurement,
    fixedRate,
    soak: soakResult,
    checks: [...(soakMode ? [] : checks(measurement, options, bindings)), ...extra.checks],
  };
  const file = join("bench", "results", `${soakMode ? "soak" : "bench"}-${stamp()}.json`);
  writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  const latest = join("bench", "results", soakMode ? "latest-soak.json" : "latest.json");
  writeFileSync(latest, JSON.stringify(json, null, 2) + "\n");
  console.log(`\nResults: ${file} (and ${latest}); whole run ${((Date.now() - started) / 1000).toFixed(0)} s.`);
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await Promise.all(targets.map((t) => t.close().catch(() => {})));
  await fake.close();
}
process.exit(exitCode);
