/**
 * Starts the local stack the way a user runs it: the fake upstream in this
 * process, the local D1 databases migrated by wrangler, and the router and the
 * logger worker together under one `wrangler dev` (so the log queue and the
 * databases are shared between them). Used by `npm run dev` and by the
 * end-to-end tests.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { copyConsoleAssets } from "./console-assets.ts";
import { startFakeUpstream, type FakeUpstream } from "../test/fake-upstream/server.ts";
import { assertPortFree } from "./dev-ports.ts";

export interface StackOptions {
  port: number;
  /** Local state directory (D1 files); defaults to wrangler's .wrangler/state. */
  persistTo?: string;
  /** Port of the fake upstream; 0 picks a free one. Null: do not start it. */
  fakePort: number | null;
  /**
   * When the fake runs, pass its test service account as VERTEX_SERVICE_ACCOUNT
   * (default true); false keeps the one .dev.vars sets, e.g. a real one.
   */
  fakeServiceAccount?: boolean;
  /** Extra `--var NAME:value` overrides (they win over .dev.vars). */
  vars?: Record<string, string>;
  /**
   * The secret the fake Stripe signs its webhooks with: it must be the
   * router's STRIPE_WEBHOOK_SECRET. Default: the fake's own default
   * (FAKE_STRIPE_WEBHOOK_SECRET, else .dev.vars.example's).
   */
  stripeWebhookSecret?: string;
  /** Print wrangler's output. */
  verbose?: boolean;
  /**
   * Also run the console (src/console) next to the router, served on this
   * port through the dev front (scripts/console-front); 0 picks a free one.
   * Absent: no console.
   */
  consolePort?: number;
}

export interface Stack {
  url: string;
  /** The console's URL, when the stack runs it. */
  consoleUrl: string | null;
  fake: FakeUpstream | null;
  stop(): Promise<void>;
}

const WRANGLER = "node_modules/.bin/wrangler";
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "", NO_D1_WARNING: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

/** One catalogue model per provider, driven by the end-to-end tests. */
export const E2E_MODELS = ["openai/gpt-4o-mini", "mistral/mistral-small-latest", "anthropic/claude-sonnet-5-5", "google/gemini-3.8-flash"];

/** Vars that point every provider at a fake upstream, with dummy credentials. */
export function fakeProviderVars(fakeUrl: string): Record<string, string> {
  return {
    OPENAI_BASE_URL: `${fakeUrl}/openai/v1`,
    OPENAI_API_KEY: "sk-fake-openai",
    MISTRAL_BASE_URL: `${fakeUrl}/mistral/v1`,
    MISTRAL_GLOBAL_BASE_URL: `${fakeUrl}/mistral-global/v1`,
    MISTRAL_API_KEY: "fake-mistral",
    ANTHROPIC_BASE_URL: `${fakeUrl}/anthropic`,
    ANTHROPIC_API_KEY: "sk-ant-fake",
    GEMINI_BASE_URL: `${fakeUrl}/gemini`,
    GEMINI_API_KEY: "fake-gemini",
    // EU-hosted routes; VERTEX_SERVICE_ACCOUNT is the fake's own (startStack passes it).
    OPENAI_EU_BASE_URL: `${fakeUrl}/openai-eu/v1`,
    OPENAI_EU_API_KEY: "sk-fake-openai-eu",
    AZURE_OPENAI_EU_BASE_URL: `${fakeUrl}/azure-eu/openai/v1`,
    AZURE_OPENAI_EU_API_KEY: "fake-azure",
    AZURE_OPENAI_EU_REGION: "swedencentral",
    AZURE_OPENAI_EU_DEPLOYMENTS: AZURE_FAKE_DEPLOYMENTS,
    VERTEX_EU_BASE_URL: `${fakeUrl}/vertex-eu`,
    VERTEX_EU_PROJECT: "emby-local",
    GOOGLE_TOKEN_URL: `${fakeUrl}/google-oauth/token`,
    // The fake's Stripe API and hosted Checkout (test/fake-upstream/stripe.ts): it
    // takes any `sk_` key and knows this Price. The webhook secret is the
    // stack's choice (StackOptions.stripeWebhookSecret), set on both sides.
    STRIPE_API_BASE: fakeUrl,
    STRIPE_SECRET_KEY: "sk_test_fake_emby",
    STRIPE_PRO_PRICE_ID: "price_fake_pro_monthly",
  };
}

/** The fake's Azure deployments: one under the model's own name, one under another (as operators name them). */
export const AZURE_FAKE_DEPLOYMENTS = "gpt-4o-mini,gpt-4.1=gpt41-eu-datazone";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function persistArgs(persistTo: string | undefined): string[] {
  return persistTo ? ["--persist-to", persistTo] : [];
}

/** The router's config first (it serves the port), then the logger's. */
export const WORKER_CONFIGS = ["wrangler.toml", "src/logger/wrangler.toml"];
export const CONSOLE_CONFIG = "src/console/wrangler.toml";
const CONSOLE_FRONT_CONFIG = "scripts/console-front/wrangler.toml";
const CONSOLE_DEV_VARS = "src/console/.dev.vars";

/**
 * The console reads its local settings from src/console/.dev.vars (wrangler
 * gives `--var` overrides to the first worker only): made from the example
 * when missing, never overwritten.
 */
export function ensureConsoleDevVars(): void {
  if (!existsSync(CONSOLE_DEV_VARS)) copyFileSync(`${CONSOLE_DEV_VARS}.example`, CONSOLE_DEV_VARS);
}
/** Every D1 database, by its binding in the router's wrangler.toml (which names all three). */
export const D1_BINDINGS = ["DB", "LOGS_DB", "BILLING_DB"];

export function migrateLocal(persistTo?: string): void {
  for (const binding of D1_BINDINGS) {
    const result = spawnSync(WRANGLER, ["d1", "migrations", "apply", binding, "--local", ...persistArgs(persistTo)], {
      env: ENV,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`D1 migration of ${binding} failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** Runs SQL against a local D1 database (by binding) with wrangler, returning the result rows. */
export function queryLocalD1(binding: string, sql: string, persistTo?: string): Record<string, unknown>[] {
  const result = spawnSync(WRANGLER, ["d1", "execute", binding, "--local", "--json", "--command", sql, ...persistArgs(persistTo)], {
    env: ENV,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`D1 query on ${binding} failed:\n${result.stdout}\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as { results: Record<string, unknown>[] }[];
  return parsed.flatMap((r) => r.results);
}

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number, path = "/health"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      // Needs no key and touches no storage, so the start-up log shows a 200, not a 401.
      const res = await fetch(`${url}${path}`);
      await res.body?.cancel();
      // The dev front answers 503 until the console's session has registered.
      if (res.status < 500) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not start within ${timeoutMs} ms`);
}

function spawnWrangler(args: string[], verbose: boolean | undefined): { child: ChildProcess; output: () => string } {
  const child = spawn(WRANGLER, args, { env: ENV, stdio: verbose ? "inherit" : ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {}
}

export async function startStack(options: StackOptions): Promise<Stack> {
  // Checked before anything starts, so a second `npm run dev` names the taken
  // port (PortInUseError) instead of dying in a listener's EADDRINUSE.
  await assertPortFree(options.port, "router");
  if (options.consolePort) await assertPortFree(options.consolePort, "console");
  if (options.fakePort) await assertPortFree(options.fakePort, "fake upstream");
  // The fake Stripe sends its webhooks to this stack's router.
  const fake =
    options.fakePort === null
      ? null
      : await startFakeUpstream({ port: options.fakePort, stripeWebhookUrl: `http://127.0.0.1:${options.port}/v1/billing/webhook`, stripeWebhookSecret: options.stripeWebhookSecret });
  migrateLocal(options.persistTo);
  // Local workerd cannot create Durable Object ids in a jurisdiction (production: "eu").
  // The fake's token endpoint accepts only its own service account, made at
  // each start (the JSON goes through `--var NAME:value` intact: wrangler
  // splits it at the first colon only).
  const fakeAccount = fake && options.fakeServiceAccount !== false ? { VERTEX_SERVICE_ACCOUNT: fake.serviceAccount } : {};
  const vars = { DURABLE_OBJECT_JURISDICTION: "none", ...fakeAccount, ...options.vars };
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const withConsole = options.consolePort !== undefined;
  if (withConsole) {
    ensureConsoleDevVars();
    copyConsoleAssets();
  }
  const configs = withConsole ? [...WORKER_CONFIGS, CONSOLE_CONFIG] : WORKER_CONFIGS;
  const args = [
    "dev",
    ...configs.flatMap((config) => ["-c", config]),
    "--ip", "127.0.0.1",
    "--port", String(options.port),
    "--inspector-port", String(await freePort()),
    "--show-interactive-dev-session=false",
    // The logger's retention cron never fires under `wrangler dev`; without this
    // flag wrangler prints a start-up warning saying so, which reads like a failure.
    "--test-scheduled",
    "--log-level", options.verbose ? "info" : "warn",
    ...persistArgs(options.persistTo),
    ...varArgs,
  ];
  const main = spawnWrangler(args, options.verbose);
  const url = `http://127.0.0.1:${options.port}`;
  let front: ReturnType<typeof spawnWrangler> | null = null;
  const stop = async () => {
    await Promise.all([stopChild(main.child), front ? stopChild(front.child) : undefined]);
    await fake?.close();
  };
  try {
    await waitForReady(url, main.child, 90_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${main.output()}`);
  }
  let consoleUrl: string | null = null;
  if (withConsole) {
    const consolePort = options.consolePort || (await freePort());
    // Its own state directory: the front stores nothing, and must not open the stack's databases.
    front = spawnWrangler(
      ["dev", "-c", CONSOLE_FRONT_CONFIG, "--ip", "127.0.0.1", "--port", String(consolePort), "--inspector-port", String(await freePort()), "--show-interactive-dev-session=false", "--log-level", options.verbose ? "info" : "warn", "--persist-to", ".wrangler/console-front-state"],
      false,
    );
    consoleUrl = `http://127.0.0.1:${consolePort}`;
    try {
      await waitForReady(consoleUrl, front.child, 90_000, "/sign-in");
    } catch (err) {
      await stop();
      throw new Error(`${(err as Error).message}\n${front.output()}`);
    }
  }
  return { url, consoleUrl, fake, stop };
}
