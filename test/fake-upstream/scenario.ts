/**
 * How a test steers the fake upstream. Directives travel inside the prompt
 * (`fake:{"status":500}`), because the router forwards prompts but deliberately
 * not client headers; direct callers (benchmarks) may use an `x-fake-scenario`
 * header with the same JSON instead.
 *
 * A prompt may carry several directives (`fake:{...} fake:{...}`): the first
 * that matches the request applies. One with `route` matches only requests on
 * that endpoint's path (its first segment, e.g. `mistral-eu` for
 * `/mistral-eu/v1/chat/completions`); one with `times` and `key` matches only
 * the first `times` such requests carrying that key (counted by the fake),
 * after which the next directive that matches applies, or none.
 */
export interface Scenario {
  /** Apply only to requests on this endpoint label's path. */
  route?: string;
  /** Apply only to the first N matching requests with `key`. */
  times?: number;
  /** The counter `times` uses; make it unique per test. */
  key?: string;
  /**
   * An error event in the provider's own stream format, after a 200: "first"
   * before any content (after the preamble), "mid" after the first content chunk.
   */
  streamError?: "first" | "mid";
  /** Answer with this HTTP error status, in the provider's error format. */
  status?: number;
  /** Seconds for Retry-After on 429/503. */
  retryAfter?: number;
  /** Azure's `retry-after-ms` header on an error, in milliseconds. */
  retryAfterMs?: number;
  /** Retry-After as an HTTP-date this many seconds ahead. */
  retryAfterDateIn?: number;
  /** OpenAI's rate-limit headers on an error: the token limit exhausted, resetting after this ("6m0s"). */
  resetTokens?: string;
  /** Gemini: RetryInfo.retryDelay in the error body's details ("27s"). */
  retryDelay?: string;
  /** Delay before response headers. */
  firstByteDelayMs?: number;
  /** Number of content chunks when streaming (default 3). */
  chunks?: number;
  /** Delay between streamed chunks. */
  chunkDelayMs?: number;
  /**
   * Destroy the socket: before headers, or "mid": after the first chunk of a
   * stream, or halfway through a non-streamed body (an error body with `status`).
   */
  drop?: "before" | "mid";
  /** Stream the first chunk, then wait until POST /__release/<hold> arrives. */
  hold?: string;
  /**
   * Pace a stream from the test: content chunk n (n = 1, 2, …; the first is
   * n = 0) is sent only once POST /__release/<gate>-<n> arrives. A test that
   * releases chunk n only after its client received chunk n-1 proves chunks
   * are relayed one by one, whatever the machine's load.
   */
  gate?: string;
  /** Answer with a 307 redirect. */
  redirect?: boolean;
  /** The assistant's reply text. */
  reply?: string;
  /** Send an SSE comment (keep-alive) on its own before the first chunk. */
  keepAlive?: boolean;
  /**
   * After the stream's preamble, send only keep-alives (OpenAI formats: an SSE
   * comment; Anthropic: a `ping` event) every this many ms, never content,
   * until the client leaves.
   */
  pingOnlyMs?: number;
  /** Send a body that is not JSON with status 200. */
  garbage?: boolean;
  /** Azure OpenAI: stream as the asynchronous content filter does (azure-format.ts). */
  azureFilter?: "async";
  /** Azure OpenAI: the content filter blocks the prompt (400) or the answer (finish_reason content_filter). */
  contentFilter?: "prompt" | "output";
  /**
   * Azure OpenAI, stream: after the usage chunk (before the asynchronous
   * filter's last annotation and `[DONE]`), drop the connection or send
   * nothing more until the client leaves.
   */
  afterUsage?: "drop" | "hang";
  /** OpenAI Responses API: `input_tokens_details.cached_tokens` in the usage (at most the input tokens). */
  cachedTokens?: number;
}

const DIRECTIVE = /fake:(\{[^}]*\})/g;

/** Every text string in a request body, to look for a directive. */
function texts(value: unknown, out: string[]): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) texts(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) texts(v, out);
  return out;
}

/** Every directive in a request body, in order. */
export function directivesOf(body: unknown): Scenario[] {
  return texts(body, []).flatMap((text) => [...text.matchAll(DIRECTIVE)].map((m) => JSON.parse(m[1]!) as Scenario));
}

/**
 * The directive that applies to a request on endpoint `label`; `uses` counts,
 * per key, the requests a `times` directive has applied to (and is updated).
 */
export function scenarioOf(body: unknown, header: string | undefined, label: string, uses: Map<string, number>): Scenario {
  const candidates = header ? [JSON.parse(header) as Scenario] : directivesOf(body);
  for (const scenario of candidates) {
    if (scenario.route !== undefined && scenario.route !== label) continue;
    if (scenario.times !== undefined) {
      const key = scenario.key ?? "";
      const used = uses.get(key) ?? 0;
      if (used >= scenario.times) continue;
      uses.set(key, used + 1);
    }
    return scenario;
  }
  return {};
}

/** Rough token counts, deterministic so tests can predict usage. */
export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function promptText(body: unknown): string {
  return texts(body, []).join(" ");
}

/** Splits a reply into `n` pieces that concatenate back to it. */
export function splitReply(reply: string, n: number): string[] {
  const size = Math.ceil(reply.length / n);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(reply.slice(i * size, (i + 1) * size));
  return parts;
}

export const DEFAULT_REPLY = "Hello from the fake upstream.";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The failure switches every provider format shares: delay, drop before
 * headers, redirect, error status (body in the provider's format) and a
 * non-JSON 200. Returns true when it answered, so the caller stops.
 */
export async function answerFailureScenario(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
  scenario: Scenario,
  errorBody: (status: number, message: string) => unknown,
): Promise<boolean> {
  if (scenario.firstByteDelayMs) await sleep(scenario.firstByteDelayMs);
  if (scenario.drop === "before") {
    req.socket.destroy();
    return true;
  }
  if (scenario.redirect) {
    res.writeHead(307, { location: "http://127.0.0.1:9/elsewhere" });
    res.end();
    return true;
  }
  if (scenario.status) {
    const retry: Record<string, string> = scenario.retryAfter !== undefined ? { "retry-after": String(scenario.retryAfter) } : {};
    if (scenario.retryAfterMs !== undefined) retry["retry-after-ms"] = String(scenario.retryAfterMs);
    if (scenario.retryAfterDateIn !== undefined) retry["retry-after"] = new Date(Date.now() + scenario.retryAfterDateIn * 1000).toUTCString();
    if (scenario.resetTokens) Object.assign(retry, { "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": scenario.resetTokens, "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-requests": "1s" });
    const bytes = Buffer.from(JSON.stringify(errorBody(scenario.status, scenario.status === 529 ? "Overloaded" : `Fake upstream error ${scenario.status}.`)));
    res.writeHead(scenario.status, { "content-type": "application/json", "content-length": String(bytes.length), ...retry });
    if (scenario.drop !== "mid") {
      res.end(bytes);
      return true;
    }
    // The error body is cut off halfway: the router's read of it fails.
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    await sleep(20);
    req.socket.destroy();
    return true;
  }
  if (scenario.garbage) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("<html>not json</html>");
    return true;
  }
  return false;
}

/** Waits before content chunk `n` (from 0) of a stream: `chunkDelayMs`, then the gate for n ≥ 1. */
export async function beforeChunk(
  n: number,
  res: import("node:http").ServerResponse,
  scenario: Scenario,
  ctx: { waitForRelease(id: string, res: import("node:http").ServerResponse): Promise<void> },
): Promise<void> {
  if (scenario.chunkDelayMs) await sleep(scenario.chunkDelayMs);
  if (scenario.gate && n > 0) await ctx.waitForRelease(`${scenario.gate}-${n}`, res);
}

/** `pingOnlyMs`: pings every so often until the connection closes; true when the switch applied (the stream is over). */
export async function pingOnly(res: import("node:http").ServerResponse, scenario: Scenario, ping: () => void): Promise<boolean> {
  if (scenario.pingOnlyMs === undefined) return false;
  while (!res.destroyed) {
    await sleep(scenario.pingOnlyMs);
    if (!res.destroyed) ping();
  }
  return true;
}

/**
 * The mid-stream switches every format shares, applied after the first content
 * chunk: drop the connection, or hold until released. Returns true when the
 * stream must stop (dropped, or the client left while held).
 */
export async function afterFirstChunk(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
  scenario: Scenario,
  ctx: { waitForRelease(id: string, res: import("node:http").ServerResponse): Promise<void> },
): Promise<boolean> {
  if (scenario.drop === "mid") {
    await sleep(20);
    req.socket.destroy();
    return true;
  }
  if (scenario.hold) {
    await ctx.waitForRelease(scenario.hold, res);
    return res.destroyed;
  }
  return false;
}

/**
 * Sends a non-streamed 200 answer. With `drop: "mid"` the connection dies
 * halfway through the body, after a Content-Length that promised all of it,
 * as when a provider's server or a proxy on the way fails mid-response.
 */
export async function sendAnswer(
  req: import("node:http").IncomingMessage,
  res: import("node:http").ServerResponse,
  scenario: Scenario,
  headers: Record<string, string>,
  body: unknown,
): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { ...headers, "content-length": String(bytes.length) });
  if (scenario.drop !== "mid") return void res.end(bytes);
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  await sleep(20);
  req.socket.destroy();
}
