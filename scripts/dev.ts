/**
 * `npm run dev`: the whole service locally and offline. Creates .dev.vars from
 * the example when missing (never changes its lines; appends the example's
 * keys it lacks), migrates the local D1 databases, starts the fake upstream and the router with the logger worker,
 * and prints a working demo key. Ports: see dev-ports.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createDemo, keyWorks } from "./demo.ts";
import { DEFAULT_FAKE_PORT, devPorts, fakeUrlOverrides, PortInUseError, portInUseHelp } from "./dev-ports.ts";
import { addMissingDevVars, ensureDevVars, readDevVars } from "./dev-vars.ts";
import { printOutbox } from "./outbox.ts";
import { startStack, type Stack } from "./stack.ts";

const DEMO_KEY_FILE = ".wrangler/demo-key";

let ports: ReturnType<typeof devPorts>;
try {
  ports = devPorts(process.argv.slice(2), process.env);
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}

if (ensureDevVars(".")) console.log("Created .dev.vars from .dev.vars.example (edit it to point at other servers).");
else {
  const added = addMissingDevVars(".");
  if (added.length > 0) console.log(`Added to .dev.vars from .dev.vars.example (it lacked them): ${added.join(", ")}.`);
}
const vars = readDevVars(".");
// The fake upstream runs when .dev.vars points at it (the example does).
const usesFake = Object.values(vars).some((v) => v.includes(`127.0.0.1:${DEFAULT_FAKE_PORT}`));

let stack: Stack;
try {
  stack = await startStack({
    port: ports.port,
    fakePort: usesFake ? ports.fakePort : null,
    vars: usesFake ? fakeUrlOverrides(vars, ports.fakePort) : {},
    // A service account of one's own in .dev.vars wins over the fake's.
    fakeServiceAccount: !vars.VERTEX_SERVICE_ACCOUNT,
    // The fake Stripe signs its webhooks with the router's secret, whatever .dev.vars sets.
    stripeWebhookSecret: vars.STRIPE_WEBHOOK_SECRET,
    consolePort: ports.consolePort,
    verbose: true,
  });
} catch (err) {
  if (!(err instanceof PortInUseError)) throw err;
  console.error(portInUseHelp(err, ports));
  process.exit(1);
}

let key = existsSync(DEMO_KEY_FILE) ? readFileSync(DEMO_KEY_FILE, "utf8").trim() : "";
if (!key || !(await keyWorks(stack.url, key))) {
  if (!vars.ADMIN_TOKEN) throw new Error("ADMIN_TOKEN is not set in .dev.vars; cannot create the demo key.");
  key = (await createDemo(stack.url, vars.ADMIN_TOKEN)).key;
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(DEMO_KEY_FILE, key + "\n", { mode: 0o600 });
}

console.log(`
  Emby Router is running at ${stack.url}  (OpenAI-compatible base URL: ${stack.url}/v1)
  ${stack.fake ? `Fake upstream (OpenAI, Azure, Mistral, Anthropic, Gemini, Vertex AI formats) at ${stack.fake.url}` : "Upstreams: as configured in .dev.vars"}
  Logger worker: consumes the log queue into local D1 (logs within ~5 s: GET /v1/generation?id=<x-request-id>)
  Demo API key: ${key}   (saved in ${DEMO_KEY_FILE}; no consent to non-EU processing: EU routes only)
  Operator API token: ADMIN_TOKEN in .dev.vars
  Console: ${stack.consoleUrl}  (sign up with any address: the sign-in link is printed here, not mailed)

  curl ${stack.url}/v1/chat/completions -H "Authorization: Bearer ${key}" \\
    -H "Content-Type: application/json" \\
    -d '{"model":"mistral/mistral-small-latest","messages":[{"role":"user","content":"Hello"}]}'

  Press Ctrl+C to stop.
`);

// The console's mail stays in its local outbox (EMAIL_TRANSPORT=outbox): print it.
if (stack.consoleUrl) void printOutbox(stack.consoleUrl);

const shutdown = async () => {
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
