/**
 * One stack per browser test file: the fake upstream, the router, the logger
 * and the console under `wrangler dev` with their own local state (as
 * test/e2e/e2e-stack.ts), the console on a port of its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fakeProviderVars, freePort, startStack, type Stack } from "../../scripts/stack.ts";

export interface ConsoleStack {
  stack: Stack;
  /** The router's URL (the API the keys made in the console are used against). */
  apiUrl: string;
  consoleUrl: string;
  stop(): Promise<void>;
}

export async function startConsoleStack(name: string): Promise<ConsoleStack> {
  const stateDir = mkdtempSync(join(tmpdir(), `emby-browser-${name}-`));
  const fakePort = await freePort();
  const stack = await startStack({
    port: await freePort(),
    fakePort,
    persistTo: stateDir,
    consolePort: 0,
    vars: { ADMIN_TOKEN: "browser-admin-token", ...fakeProviderVars(`http://127.0.0.1:${fakePort}`) },
  });
  if (!stack.consoleUrl) throw new Error("the stack started without the console");
  return {
    stack,
    apiUrl: stack.url,
    consoleUrl: stack.consoleUrl,
    stop: async () => {
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A chat completion with the key, as a customer's client sends it. */
export async function chat(apiUrl: string, key: string): Promise<Response> {
  return fetch(`${apiUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "Hello from the browser test" }] }),
  });
}

/** Grants the account of `email` credit through the operator API (every account is prepaid: without it requests get 402). */
export async function grantCredits(apiUrl: string, email: string, usd: number): Promise<void> {
  const admin = (path: string, body: unknown) =>
    fetch(`${apiUrl}/admin/v1${path}`, { method: "POST", headers: { authorization: "Bearer browser-admin-token", "content-type": "application/json" }, body: JSON.stringify(body) });
  const found = (await (await admin("/accounts/lookup", { email })).json()) as { data: { id: string }[] };
  const id = found.data[0]?.id;
  if (!id) throw new Error(`no account for ${email}`);
  const res = await admin(`/accounts/${id}/credits`, { amount_usd: usd, note: "browser test" });
  if (res.status !== 201) throw new Error(`credits: ${res.status} ${await res.text()}`);
}
