/**
 * Which ports `npm run dev` uses, and what to do when one is taken. The router
 * listens on 8787, the console on 8789 and the fake upstream on 8790 unless
 * told otherwise, by environment (`PORT=8788 CONSOLE_PORT=8792 FAKE_PORT=8791
 * npm run dev`) or by flags (`npm run dev -- --port 8788 --console-port 8792
 * --fake-port 8791`; flags win).
 */
import { createServer } from "node:net";
import { parseArgs } from "node:util";

export const DEFAULT_PORT = 8787;
export const DEFAULT_CONSOLE_PORT = 8789;
/** The port `.dev.vars.example` points every provider's base URL at. */
export const DEFAULT_FAKE_PORT = 8790;

export interface DevPorts {
  port: number;
  consolePort: number;
  fakePort: number;
}

function portNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`${name} must be a port number (1-65535), got '${value}'.`);
  return port;
}

export function devPorts(argv: string[], env: Record<string, string | undefined>): DevPorts {
  const { values } = parseArgs({ args: argv, options: { port: { type: "string" }, "console-port": { type: "string" }, "fake-port": { type: "string" } }, strict: true });
  return {
    port: portNumber(values.port ?? env.PORT, values.port ? "--port" : "PORT", DEFAULT_PORT),
    consolePort: portNumber(values["console-port"] ?? env.CONSOLE_PORT, values["console-port"] ? "--console-port" : "CONSOLE_PORT", DEFAULT_CONSOLE_PORT),
    fakePort: portNumber(values["fake-port"] ?? env.FAKE_PORT, values["fake-port"] ? "--fake-port" : "FAKE_PORT", DEFAULT_FAKE_PORT),
  };
}

/** A port someone else listens on, named by what we wanted it for. */
export class PortInUseError extends Error {
  constructor(port: number, role: string) {
    super(`Port ${port} (${role}) is already in use on 127.0.0.1: is another \`npm run dev\` running?`);
    this.name = "PortInUseError";
  }
}

/** Resolves when `port` can be listened on at 127.0.0.1; throws PortInUseError when it is taken. */
export function assertPortFree(port: number, role: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "EADDRINUSE" ? new PortInUseError(port, role) : err));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** What `npm run dev` prints when a port is taken: which one, and how to pick others. */
export function portInUseHelp(err: PortInUseError, ports: DevPorts): string {
  const other = { port: ports.port + 1, consolePort: ports.consolePort + 1, fakePort: ports.fakePort + 1 };
  return [
    err.message,
    "Stop the other process, or pick free ports:",
    `  PORT=${other.port} CONSOLE_PORT=${other.consolePort} FAKE_PORT=${other.fakePort} npm run dev`,
    `  npm run dev -- --port ${other.port} --console-port ${other.consolePort} --fake-port ${other.fakePort}`,
  ].join("\n");
}

/**
 * `--var` overrides that move every `.dev.vars` URL aimed at the example's fake
 * upstream port to the fake upstream's actual port (`.dev.vars` itself is
 * never rewritten). Empty when the ports agree or nothing points there.
 */
export function fakeUrlOverrides(vars: Record<string, string>, fakePort: number): Record<string, string> {
  if (fakePort === DEFAULT_FAKE_PORT) return {};
  const from = `127.0.0.1:${DEFAULT_FAKE_PORT}`;
  return Object.fromEntries(
    Object.entries(vars)
      .filter(([, value]) => value.includes(from))
      .map(([name, value]) => [name, value.replaceAll(from, `127.0.0.1:${fakePort}`)]),
  );
}
