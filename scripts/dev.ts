/**
 * `npm run dev`: the whole service locally and offline. Creates .dev.vars from
 * the example when missing (never overwrites it), migrates the local D1
 * databases, starts the fake upstream and the router with the logger worker,
 * and prints a working demo key.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createDemo, keyWorks } from "./demo.ts";
import { ensureDevVars, readDevVars } from "./dev-vars.ts";
import { startStack } from "./stack.ts";

const PORT = 8787;
const FAKE_PORT = 8790;
const DEMO_KEY_FILE = ".wrangler/demo-key";

if (ensureDevVars(".")) console.log("Created .dev.vars from .dev.vars.example (edit it to point at other servers).");
const vars = readDevVars(".");
const usesFake = Object.values(vars).some((v) => v.includes(`127.0.0.1:${FAKE_PORT}`));

const stack = await startStack({ port: PORT, fakePort: usesFake ? FAKE_PORT : null, verbose: true });

let key = existsSync(DEMO_KEY_FILE) ? readFileSync(DEMO_KEY_FILE, "utf8").trim() : "";
if (!key || !(await keyWorks(stack.url, key))) {
  if (!vars.ADMIN_TOKEN) throw new Error("ADMIN_TOKEN is not set in .dev.vars; cannot create the demo key.");
  key = (await createDemo(stack.url, vars.ADMIN_TOKEN)).key;
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(DEMO_KEY_FILE, key + "\n", { mode: 0o600 });
}

console.log(`
  Emby Router is running at ${stack.url}  (OpenAI-compatible base URL: ${stack.url}/v1)
  ${stack.fake ? `Fake upstream (OpenAI, Mistral, Anthropic, Gemini formats) at ${stack.fake.url}` : "Upstreams: as configured in .dev.vars"}
  Logger worker: consumes the log queue into local D1 (logs within ~5 s: GET /v1/generation?id=<x-request-id>)
  Demo API key: ${key}

  curl ${stack.url}/v1/chat/completions -H "Authorization: Bearer ${key}" \\
    -H "Content-Type: application/json" \\
    -d '{"model":"mistral/mistral-small-latest","messages":[{"role":"user","content":"Hello"}]}'

  Press Ctrl+C to stop.
`);

const shutdown = async () => {
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
