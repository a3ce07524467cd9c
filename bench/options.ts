/**
 * Flags of `npm run bench -- [flags]`, each also settable by an environment
 * variable (BENCH_<NAME>). The defaults keep the whole run near a minute.
 */
import { parseArgs } from "node:util";

/** router: everything in one workerd process; split: the router alone in one, limiter and logger in another. */
export const TARGET_IDS = ["direct", "floor", "router", "split", "peer"] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export interface BenchOptions {
  /** Measured seconds per target, non-streaming. */
  duration: number;
  /** Measured seconds per target, streaming. */
  streamDuration: number;
  /** Unmeasured seconds per target before each measurement (JIT, caches, connections). */
  warmup: number;
  connections: number;
  streamConnections: number;
  /** Content chunks per streamed response, and the upstream's delay between them. */
  chunks: number;
  chunkDelayMs: number;
  /** Hard cap on requests per measurement, whatever the duration. */
  maxRequests: number;
  /** Repeat every measurement this many times, targets interleaved; samples are pooled. */
  rounds: number;
  targets: TargetId[];
  /** Write CPU profiles of the router's workerd (inspector) during its non-streaming load. */
  profile: boolean;
  /** Experiment: the router's queue sends are counted, then dropped (no broker, no logger work). */
  discardQueue: boolean;
  /** Send workerd targets' requests through Miniflare's entry worker, as wrangler dev does, not a direct socket. */
  viaEntry: boolean;
  /** Keep the simulated storage in the OS temp folder on disk instead of tmpfs (see bench/workerd.ts). */
  diskStorage: boolean;
  /** Router accounts the connections share (connection i uses account i mod n); null: one per connection. */
  accounts: number | null;
  /** Fixed-rate loads: fractions of the floor's measured capacity (empty: none), seconds per target and rate, warm-up, the client's connections, the streaming fraction. */
  rates: number[];
  rateDuration: number;
  rateWarmup: number;
  rateConnections: number;
  streamRate: number;
  /** Soak minutes (0: no soak), its rate as a fraction of the floor's capacity, seconds between samples. */
  soak: number;
  soakRate: number;
  soakInterval: number;
}

const SPEC = {
  duration: { type: "string", default: "5" },
  "stream-duration": { type: "string", default: "3" },
  warmup: { type: "string", default: "1" },
  connections: { type: "string", default: "50" },
  "stream-connections": { type: "string", default: "20" },
  chunks: { type: "string", default: "20" },
  "chunk-delay": { type: "string", default: "10" },
  "max-requests": { type: "string", default: "1000000" },
  rounds: { type: "string", default: "1" },
  targets: { type: "string", default: TARGET_IDS.join(",") },
  profile: { type: "boolean", default: false },
  "discard-queue": { type: "boolean", default: false },
  "miniflare-entry": { type: "boolean", default: false },
  "disk-storage": { type: "boolean", default: false },
  accounts: { type: "string", default: "0" },
  rates: { type: "string", default: "0.1,0.3,0.6" },
  "rate-duration": { type: "string", default: "5" },
  "rate-warmup": { type: "string", default: "1" },
  "rate-connections": { type: "string", default: "256" },
  "stream-rate": { type: "string", default: "0.3" },
  soak: { type: "string", default: "0" },
  "soak-rate": { type: "string", default: "0.1" },
  "soak-interval": { type: "string", default: "10" },
  help: { type: "boolean", default: false },
} as const;

export const USAGE = `npm run bench -- [--duration s] [--stream-duration s] [--warmup s] [--connections n]
  [--stream-connections n] [--chunks n] [--chunk-delay ms] [--max-requests n] [--rounds n]
  [--targets direct,floor,router,split,peer] [--profile] [--discard-queue] [--miniflare-entry] [--disk-storage] [--accounts n]
  [--rates 0.1,0.3,0.6] [--rate-duration s] [--rate-warmup s] [--rate-connections n] [--stream-rate 0.3]
  [--soak minutes] [--soak-rate 0.1] [--soak-interval s]
Every flag also reads from BENCH_<FLAG> (e.g. BENCH_DURATION=30, BENCH_TARGETS=floor,router).
--accounts: router accounts the connections share (default one per connection); fewer accounts
  show releases riding on admissions, but each account stays under its tier's 6,000 requests/min
  only in short runs.
--rates: fixed-rate (open-loop) loads at these fractions of the floor's capacity measured by the
  closed loop ("none": skip them); streaming runs at --stream-rate of the floor's stream capacity.
--soak: only the soak: the floor and the split router side by side at --soak-rate of the floor's
  capacity for this many minutes, RSS sampled every --soak-interval seconds (npm run bench:soak: 10).
  The default 0.1 is a moderate load for the router (at 0.3 the split was overloaded). In soak mode
  every workerd runs with its inspector open, for heap samples, which slows the floor's measured
  capacity too: the soak's figures are for memory, errors and decay, not CPU.`;

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${text}"`);
  return value;
}

/** A fraction of the floor's capacity: above 0, at most 2 (overload on purpose). */
function fraction(name: string, text: string): number {
  const value = positive(name, text.trim());
  if (value > 2) throw new Error(`--${name} takes fractions of the floor's capacity (0.3 = 30%), got "${text}"`);
  return value;
}

export function parseOptions(argv: string[]): BenchOptions | null {
  const { values } = parseArgs({ args: argv, options: SPEC, strict: true });
  if (values.help) return null;
  const get = (name: keyof typeof SPEC): string => {
    const fromEnv = process.env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
    const fromFlag = values[name];
    // A flag given on the command line wins over the environment, which wins over the default.
    return typeof fromFlag === "string" && argv.some((a) => a.startsWith(`--${name}`)) ? fromFlag : (fromEnv ?? String(fromFlag));
  };
  const soakMinutes = Number(get("soak")) || 0;
  const targetsGiven = argv.some((a) => a.startsWith("--targets")) || process.env.BENCH_TARGETS !== undefined;
  // The soak's default pair: the runtime alone and the production-like router, side by side.
  const targets = (soakMinutes > 0 && !targetsGiven ? "floor,split" : get("targets")).split(",").map((t) => t.trim()).filter(Boolean);
  for (const t of targets) if (!TARGET_IDS.includes(t as TargetId)) throw new Error(`unknown target "${t}" (known: ${TARGET_IDS.join(", ")})`);
  return {
    duration: positive("duration", get("duration")),
    streamDuration: positive("stream-duration", get("stream-duration")),
    warmup: Number(get("warmup")) || 0,
    connections: Math.round(positive("connections", get("connections"))),
    streamConnections: Math.round(positive("stream-connections", get("stream-connections"))),
    chunks: Math.round(positive("chunks", get("chunks"))),
    chunkDelayMs: Number(get("chunk-delay")) || 0,
    maxRequests: Math.round(positive("max-requests", get("max-requests"))),
    rounds: Math.round(positive("rounds", get("rounds"))),
    targets: targets as TargetId[],
    profile: values.profile || process.env.BENCH_PROFILE === "1",
    discardQueue: values["discard-queue"] || process.env.BENCH_DISCARD_QUEUE === "1",
    viaEntry: values["miniflare-entry"] || process.env.BENCH_MINIFLARE_ENTRY === "1",
    diskStorage: values["disk-storage"] || process.env.BENCH_DISK_STORAGE === "1",
    accounts: Number(get("accounts")) > 0 ? Math.round(Number(get("accounts"))) : null,
    rates: get("rates") === "none" ? [] : get("rates").split(",").map((r) => fraction("rates", r)),
    rateDuration: positive("rate-duration", get("rate-duration")),
    rateWarmup: Number(get("rate-warmup")) || 0,
    rateConnections: Math.round(positive("rate-connections", get("rate-connections"))),
    streamRate: fraction("stream-rate", get("stream-rate")),
    soak: soakMinutes,
    soakRate: fraction("soak-rate", get("soak-rate")),
    soakInterval: positive("soak-interval", get("soak-interval")),
  };
}
