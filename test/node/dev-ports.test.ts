import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { devPorts, fakeUrlOverrides } from "../../scripts/dev-ports.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Listens on a free port of 127.0.0.1 and keeps it, as another process would. */
async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => server.close());
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

/** A port that was free a moment ago (listened on, then released), unlike a neighbour of another port, which anything may hold. */
async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === "object" && address ? address.port : 0;
}

/** Runs `npm run dev`'s script in a scratch project directory; resolves with its exit code and output. */
function runDev(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "emby-devports-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, ".dev.vars.example"), readFileSync(".dev.vars.example"));
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve("scripts/dev.ts")], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    // A dev server that started anyway is a failure too; don't leave it running.
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 30_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe("npm run dev ports", () => {
  it("defaults to 8787, 8789 and 8790; PORT, CONSOLE_PORT and FAKE_PORT pick others; flags win over the environment", () => {
    expect(devPorts([], {})).toEqual({ port: 8787, consolePort: 8789, fakePort: 8790 });
    expect(devPorts([], { PORT: "8788", CONSOLE_PORT: "8792", FAKE_PORT: "8791" })).toEqual({ port: 8788, consolePort: 8792, fakePort: 8791 });
    expect(devPorts(["--port", "9000", "--console-port", "9002", "--fake-port", "9001"], { PORT: "8788", CONSOLE_PORT: "8792" })).toEqual({ port: 9000, consolePort: 9002, fakePort: 9001 });
    expect(() => devPorts([], { PORT: "http" })).toThrow(/PORT must be a port number/);
    expect(() => devPorts(["--prot", "1"], {})).toThrow();
  });

  it("moves the .dev.vars URLs aimed at the default fake upstream to the chosen fake port, and nothing else", () => {
    const vars = { OPENAI_BASE_URL: "http://127.0.0.1:8790/openai/v1", MISTRAL_BASE_URL: "https://api.eu.mistral.ai/v1", ADMIN_TOKEN: "t" };
    expect(fakeUrlOverrides(vars, 8790)).toEqual({});
    expect(fakeUrlOverrides(vars, 8791)).toEqual({ OPENAI_BASE_URL: "http://127.0.0.1:8791/openai/v1" });
  });

  it("says which port is taken and how to pick others, without a stack trace", async () => {
    const taken = await occupiedPort();
    const { code, output } = await runDev({ PORT: String(taken), FAKE_PORT: String(taken + 1) });
    expect(code).toBe(1);
    expect(output).toContain(`Port ${taken} (router) is already in use`);
    expect(output).toContain(`PORT=${taken + 1} CONSOLE_PORT=8790 FAKE_PORT=${taken + 2} npm run dev`);
    expect(output).not.toMatch(/EADDRINUSE|\n\s+at /);
  });

  it("names the fake upstream's port when that one is taken", async () => {
    const taken = await occupiedPort();
    const { code, output } = await runDev({ PORT: String(await freePort()), FAKE_PORT: String(taken) });
    expect(code).toBe(1);
    expect(output).toContain(`Port ${taken} (fake upstream) is already in use`);
    expect(output).not.toMatch(/EADDRINUSE|\n\s+at /);
  });
});
