/**
 * The peer: the Portkey gateway (TypeScript, Hono, on Node), installed under
 * bench/peer/ with its own package.json and lock — never a dependency of the
 * router. Installed on first use; pinned to loopback by bench/peer/loopback.ts.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./net.ts";

const PEER_DIR = join(import.meta.dirname, "peer");
const GATEWAY = join(PEER_DIR, "node_modules", "@portkey-ai", "gateway");

export interface PeerProcess {
  url: string;
  pid: number | null;
  version: string;
  close(): Promise<void>;
}

/** `npm ci` in bench/peer when the gateway is missing (the registry is the only network use). */
export function ensurePeerInstalled(): void {
  if (existsSync(join(GATEWAY, "package.json"))) return;
  console.log("Installing the Portkey peer into bench/peer (npm ci)...");
  // Its postinstall (patch-package) has nothing to patch in the published build.
  const result = spawnSync("npm", ["ci", "--prefix", PEER_DIR, "--ignore-scripts", "--no-audit", "--no-fund"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error("npm ci in bench/peer failed");
}

async function waitForPort(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Portkey did not start within ${timeoutMs} ms: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startPeer(): Promise<PeerProcess> {
  ensurePeerInstalled();
  const version = (JSON.parse(readFileSync(join(GATEWAY, "package.json"), "utf8")) as { version: string }).version;
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", join(PEER_DIR, "loopback.ts"), join(GATEWAY, "build", "start-server.js"), `--port=${port}`, "--headless"],
    { cwd: PEER_DIR, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_ENV: "production" } },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForPort(url, 20_000);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    url,
    pid: child.pid ?? null,
    version,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
