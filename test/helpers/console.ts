/**
 * Calls the console worker inside workerd, in-process, with the router's test
 * bindings (the same databases and limiter) plus the console's settings from
 * vitest.config.ts. `ConsoleClient` keeps cookies like a browser and sends the
 * console's Origin and the CSRF token the last page carried.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import consoleWorker from "../../src/console/index";
import { startSessionRow } from "../../src/console/auth/session";
import { outboxSince, type OutboxMail } from "../../src/mail/outbox";

export const CONSOLE_ORIGIN = "https://console.test";

export function consoleEnv(): ConsoleEnv {
  return env as unknown as ConsoleEnv;
}

export async function consoleFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await consoleWorker.fetch(new Request(`${CONSOLE_ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>, consoleEnv(), ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The CSRF token in a page's forms. */
export function csrfTokenIn(html: string): string | null {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;
}

export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page fetched that had one. */
  csrf: string | null = null;

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await consoleFetch(path, { headers: { cookie: this.cookieHeader(), ...headers }, redirect: "manual" });
    this.remember(res);
    if ((res.headers.get("content-type") ?? "").includes("text/html")) {
      const html = await res.clone().text();
      this.csrf = csrfTokenIn(html) ?? this.csrf;
    }
    return res;
  }

  /** A form post from the console's own page (Origin and CSRF token set unless overridden). */
  async post(path: string, form: Record<string, string> = {}, options: { origin?: string | null; csrf?: string | null } = {}): Promise<Response> {
    const body = new URLSearchParams(form);
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    if (token !== null) body.set("_csrf", token);
    const headers: Record<string, string> = { cookie: this.cookieHeader(), "content-type": "application/x-www-form-urlencoded" };
    const origin = options.origin === undefined ? CONSOLE_ORIGIN : options.origin;
    if (origin !== null) headers.origin = origin;
    const res = await consoleFetch(path, { method: "POST", headers, body, redirect: "manual" });
    this.remember(res);
    return res;
  }

  /** A JSON post as a console script sends it: Origin, and the CSRF token in `x-csrf-token` (unless overridden). */
  async postJson(path: string, json: unknown, options: { origin?: string | null; csrf?: string | null } = {}): Promise<Response> {
    const headers: Record<string, string> = { cookie: this.cookieHeader(), "content-type": "application/json" };
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    if (token !== null) headers["x-csrf-token"] = token;
    const origin = options.origin === undefined ? CONSOLE_ORIGIN : options.origin;
    if (origin !== null) headers.origin = origin;
    const res = await consoleFetch(path, { method: "POST", headers, body: JSON.stringify(json), redirect: "manual" });
    this.remember(res);
    return res;
  }
}

/** A client signed in to the account (a session made directly, as following a link would). */
export async function signedInClient(accountId: string, userAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0 Safari/537.36"): Promise<ConsoleClient> {
  const client = new ConsoleClient();
  const { cookieValue } = await startSessionRow(consoleEnv(), accountId, userAgent);
  client.cookies.set("__Host-emby_session", cookieValue);
  await client.get("/security");
  return client;
}

/** Mail the console sent to `to` (the in-memory outbox), oldest first. */
export function mailTo(to: string): OutboxMail[] {
  return outboxSince(0).filter((m) => m.to === to.toLowerCase());
}
