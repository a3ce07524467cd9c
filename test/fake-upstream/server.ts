/**
 * A fake model provider for dev, tests and benchmarks: speaks the OpenAI and
 * Mistral chat formats under /openai/v1 and /mistral/v1 (and plain /v1 as
 * OpenAI), OpenAI's Responses API at /openai/v1/responses, every provider's
 * embeddings (embeddings-format.ts), Anthropic Messages under /anthropic,
 * Gemini under /gemini and Vertex AI's publisher models (Gemini and Claude)
 * under /vertex-eu, records what it received for assertions, and fails on request
 * (see scenario.ts). Any other first path segment names an endpoint of its
 * own (its label: `/mistral-eu/v1`, `/openai-eu/v1`, `/vertex-eu/v1/projects/...`,
 * `/azure-eu/openai/v1` for Azure OpenAI),
 * answered in the format its path implies, so a test can configure several
 * endpoints on one fake, fail one and serve another, and see which were called.
 * Google's OAuth token endpoint is at /google-oauth/token (google-oauth.ts),
 * GitHub's secret scanning keys under /github/ (github-keys.ts), Stripe's
 * API at its own /v1 paths (customers, checkout sessions, ...) with a hosted
 * Checkout under /__stripe/ (stripe.ts), checked before the OpenAI ones.
 * Run alone: `node test/fake-upstream/server.ts [--port N]`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { handleAnthropic } from "./anthropic-format.ts";
import { handleAzureChat } from "./azure-format.ts";
import { handleGemini } from "./gemini-format.ts";
import { createGithubKeys } from "./github-keys.ts";
import { createTestServiceAccount, handleGoogleToken, tokenRequestFields } from "./google-oauth.ts";
import { handleGeminiEmbeddings, handleOpenAIEmbeddings } from "./embeddings-format.ts";
import { handleChat, type Flavour } from "./openai-format.ts";
import { handleResponses } from "./responses-format.ts";
import { scenarioOf, type Scenario } from "./scenario.ts";
import { createFakeStripe } from "./stripe.ts";
import { handleVertex, VERTEX_PATH } from "./vertex-format.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  /** The endpoint the path names (its first segment; "openai" for plain /v1). */
  label: string;
  /** The query string ("" when none); `/__requests?tag=` matches it as well as the body. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  receivedAt: number;
  /** The connection closed before the response was complete (client or router gave up). */
  aborted: boolean;
  /** When the response ended or the connection closed. */
  finishedAt: number | null;
}

export interface FakeContext {
  /** Resolves when POST /__release/<id> arrives or the connection closes. */
  waitForRelease(id: string, res: ServerResponse): Promise<void>;
}

export interface FakeUpstream {
  url: string;
  port: number;
  /** The key file of the test service account whose JWTs the token endpoint accepts (VERTEX_SERVICE_ACCOUNT). */
  serviceAccount: string;
  close(): Promise<void>;
}

const MAX_RECORDED = 1000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Handles one provider endpoint: (request, response, parsed body, scenario, context, URL). */
export type ProviderHandler = (req: IncomingMessage, res: ServerResponse, body: unknown, scenario: Scenario, ctx: FakeContext, url: URL) => Promise<void>;

const chat = (flavour: Flavour): ProviderHandler => async (req, res, body, scenario, ctx) => {
  await handleChat(flavour, req, res, body as Parameters<typeof handleChat>[3], scenario, ctx);
};

const azure: ProviderHandler = async (req, res, body, scenario, ctx) => void (await handleAzureChat(req, res, body as Parameters<typeof handleAzureChat>[2], scenario, ctx));

const responses: ProviderHandler = async (req, res, body, scenario, ctx) => void (await handleResponses(req, res, body as Parameters<typeof handleResponses>[2], scenario, ctx));

const gemini: ProviderHandler = async (req, res, body, scenario, ctx, url) => void (await handleGemini(req, res, body as Parameters<typeof handleGemini>[2], scenario, ctx, url));

const embeddings = (dialect: "openai" | "mistral" | "azure"): ProviderHandler => (req, res, body, scenario) => handleOpenAIEmbeddings(dialect, req, res, body as Record<string, unknown>, scenario);

const geminiEmbeddings: ProviderHandler = (req, res, body, scenario, _ctx, url) => handleGeminiEmbeddings(req, res, body as Record<string, unknown>, scenario, url);

const vertex: ProviderHandler = (req, res, body, scenario, ctx, url) => handleVertex(req, res, body, scenario, ctx, url, labelOf(url.pathname)[1]);

/**
 * Which provider format answers which path, after the endpoint label: a chat
 * completions path is Mistral's format when the label starts with "mistral",
 * else OpenAI's.
 */
const ROUTES: [RegExp, (label: string) => ProviderHandler][] = [
  [/^\/v1\/chat\/completions$/, (label) => chat(label.startsWith("mistral") ? "mistral" : "openai")],
  [/^\/v1\/messages$/, () => handleAnthropic],
  // OpenAI's Responses API (responses-format.ts), under any OpenAI-format label.
  [/^\/v1\/responses$/, () => responses],
  // Azure OpenAI's v1 API: {resource}.openai.azure.com/openai/v1/chat/completions.
  [/^\/openai\/v1\/chat\/completions$/, () => azure],
  [/^\/v1beta\/models\/[^/:]+:(generateContent|streamGenerateContent)$/, () => gemini],
  // Embeddings (embeddings-format.ts): OpenAI's and Mistral's, Azure's, Gemini's; Vertex's predict is under VERTEX_PATH.
  [/^\/v1\/embeddings$/, (label) => embeddings(label.startsWith("mistral") ? "mistral" : "openai")],
  [/^\/openai\/v1\/embeddings$/, () => embeddings("azure")],
  [/^\/v1beta\/models\/[^/:]+:batchEmbedContents$/, () => geminiEmbeddings],
  [VERTEX_PATH, () => vertex],
];

const LABEL = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The endpoint label of a path and the rest of it: `/mistral-eu/v1/...` → ["mistral-eu", "/v1/..."]; plain `/v1/...` is OpenAI's. */
export function labelOf(pathname: string): [string, string] {
  const [, first = "", ...rest] = pathname.split("/");
  if (first === "v1" || !LABEL.test(first)) return ["openai", pathname];
  return [first, `/${rest.join("/")}`];
}

/** The handler for a path, or none. */
function handlerOf(pathname: string): [string, ProviderHandler] | null {
  const [label, rest] = labelOf(pathname);
  const route = ROUTES.find(([pattern]) => pattern.test(rest));
  return route ? [label, route[1](label)] : null;
}

export interface FakeUpstreamOptions {
  port?: number;
  host?: string;
  /**
   * Where the fake Stripe posts its webhooks (null: nowhere, the outbox only),
   * default FAKE_STRIPE_WEBHOOK_URL or `npm run dev`'s router; and the signing
   * secret, default FAKE_STRIPE_WEBHOOK_SECRET or .dev.vars.example's.
   */
  stripeWebhookUrl?: string | null;
  stripeWebhookSecret?: string;
}

export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const recorded: RecordedRequest[] = [];
  /** Requests each `times` directive key has applied to. */
  const uses = new Map<string, number>();
  const released = new Set<string>();
  const waiters = new Map<string, (() => void)[]>();
  let inFlight = 0;
  let maxInFlight = 0;
  const account = createTestServiceAccount();
  const github = createGithubKeys();
  const stripe = createFakeStripe({
    url: options.stripeWebhookUrl !== undefined ? options.stripeWebhookUrl : (process.env.FAKE_STRIPE_WEBHOOK_URL ?? "http://127.0.0.1:8787/v1/billing/webhook"),
    secret: options.stripeWebhookSecret ?? process.env.FAKE_STRIPE_WEBHOOK_SECRET ?? "whsec_fake_emby_local",
  });

  const ctx: FakeContext = {
    waitForRelease(id, res) {
      if (released.has(id)) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.set(id, [...(waiters.get(id) ?? []), resolve]);
        res.once("close", resolve);
      });
    },
  };

  function record(entry: RecordedRequest, res: ServerResponse) {
    if (recorded.length >= MAX_RECORDED) recorded.shift();
    recorded.push(entry);
    res.on("close", () => {
      entry.finishedAt = Date.now();
      if (!res.writableEnded) entry.aborted = true;
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "GET" && url.pathname === "/health") return res.end("ok");
    if (req.method === "GET" && url.pathname === "/__requests") {
      const tag = url.searchParams.get("tag") ?? "";
      const matches = recorded.filter((r) => r.query.includes(tag) || JSON.stringify(r.body).includes(tag));
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ requests: matches, inFlight, maxInFlight }));
    }
    if (req.method === "POST" && url.pathname.startsWith("/__release/")) {
      const id = decodeURIComponent(url.pathname.slice("/__release/".length));
      released.add(id);
      for (const wake of waiters.get(id) ?? []) wake();
      waiters.delete(id);
      return res.end("released");
    }
    if (req.method === "POST" && url.pathname === "/__reset-stats") {
      maxInFlight = inFlight;
      return res.end("ok");
    }
    if (req.method === "POST" && url.pathname === "/google-oauth/token") {
      const text = await readBody(req);
      record({ method: req.method, path: url.pathname, label: "google-oauth", query: url.search, headers: req.headers, body: tokenRequestFields(text), receivedAt: Date.now(), aborted: false, finishedAt: null }, res);
      return handleGoogleToken(res, req.headers["content-type"], text, url, account, uses);
    }
    if (url.pathname.startsWith("/github/")) return github.handle(req, res, url, await readBody(req));
    if (stripe.owns(url.pathname)) return stripe.handle(req, res, url, req.method === "GET" ? "" : await readBody(req));
    const found = handlerOf(url.pathname);
    if (req.method !== "POST" || !found) {
      res.writeHead(404, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: `Unknown path ${url.pathname}`, type: "invalid_request_error", param: null, code: null } }));
    }
    const text = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: "We could not parse the JSON body of your request.", type: "invalid_request_error", param: null, code: null } }));
    }
    const [label, handler] = found;
    record({ method: req.method, path: url.pathname, label, query: url.search, headers: req.headers, body, receivedAt: Date.now(), aborted: false, finishedAt: null }, res);
    const scenario = scenarioOf(body, req.headers["x-fake-scenario"] as string | undefined, label, uses);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await handler(req, res, body, scenario, ctx, url);
    } finally {
      inFlight--;
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(err), type: "server_error", param: null, code: null } }));
    });
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    port,
    serviceAccount: account.keyFile,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Run directly: serve until killed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const portArg = process.argv.indexOf("--port");
  const port = portArg === -1 ? 8790 : Number(process.argv[portArg + 1]);
  const fake = await startFakeUpstream({ port });
  console.log(`fake upstream listening on ${fake.url}`);
  const stop = () => fake.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
