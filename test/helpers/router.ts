/** Helpers for calling the router worker from tests inside workerd. */
import { env, exports } from "cloudflare:workers";

export const ADMIN_TOKEN = "test-admin-token";

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://router.test${path}`, init));
}

export function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return call(`/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export interface Customer {
  accountId: string;
  keyId: string;
  key: string;
}

let counter = 0;

/** Creates an account and a key through the operator API; consents to non-EU processing unless told not to. */
/** Credit newCustomer grants unless told otherwise: ample for any test's calls. */
export const DEFAULT_TEST_CREDITS_USD = 100;

/** Grants an account credit (the operator's adjustment); returns the new balance in USD. */
export async function grantCredits(accountId: string, usd: number): Promise<number> {
  const res = await admin("POST", `/accounts/${accountId}/credits`, { amount_usd: usd, note: "test grant" });
  if (res.status !== 201) throw new Error(`credits: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { balance_usd: number }).balance_usd;
}

/** A new account with a key; `credits` (USD, default DEFAULT_TEST_CREDITS_USD; 0 for none) is granted first. */
export async function newCustomer(options: { tier?: string; consent?: boolean; key?: Record<string, unknown>; credits?: number } = {}): Promise<Customer> {
  const email = `user${++counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const account = await admin("POST", "/accounts", { email, name: "Test User", tier: options.tier ?? "pro" });
  if (account.status !== 201) throw new Error(`account: ${account.status} ${await account.text()}`);
  const { id: accountId } = (await account.json()) as { id: string };
  const credits = options.credits ?? DEFAULT_TEST_CREDITS_USD;
  if (credits !== 0) await grantCredits(accountId, credits);
  const keyRes = await admin("POST", `/accounts/${accountId}/keys`, options.key ?? {});
  if (keyRes.status !== 201) throw new Error(`key: ${keyRes.status} ${await keyRes.text()}`);
  const { id: keyId, key } = (await keyRes.json()) as { id: string; key: string };
  if (options.consent !== false) {
    const consent = await call("/v1/account/consent", {
      method: "PUT",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ non_eu_transfer: true }),
    });
    if (consent.status !== 200) throw new Error(`consent: ${consent.status} ${await consent.text()}`);
  }
  return { accountId, keyId, key };
}

export function chat(key: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return call("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof ReadableStream ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** A unique marker to put in a prompt, so the fake upstream's records can be filtered by test. */
export const tag = () => `tag-${crypto.randomUUID()}`;

export interface RecordedRequest {
  path: string;
  /** The endpoint the fake played: its base URL's first path segment. */
  label: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  aborted: boolean;
  receivedAt: number;
  finishedAt: number | null;
}

/** What the fake upstream received whose body contains `marker`. */
export async function upstreamRequests(marker: string): Promise<RecordedRequest[]> {
  const res = await fetch(`${env.FAKE_UPSTREAM_URL}/__requests?tag=${encodeURIComponent(marker)}`);
  return ((await res.json()) as { requests: RecordedRequest[] }).requests;
}

export async function releaseHold(id: string): Promise<void> {
  await (await fetch(`${env.FAKE_UPSTREAM_URL}/__release/${encodeURIComponent(id)}`, { method: "POST" })).text();
}

export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

export async function errorOf(res: Response): Promise<ErrorBody["error"]> {
  return ((await res.json()) as ErrorBody).error;
}

/** Splits an SSE body into named events, each `data:` parsed as JSON (an unnamed event is "message"). */
export function sseEvents<D>(text: string): { event: string; data: D }[] {
  return text
    .split("\n\n")
    .filter((b) => b.trim())
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return { event, data: JSON.parse(data) as D };
    });
}

/** Reads an SSE response into its `data:` payloads. */
export async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((block) => block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n"))
    .filter((d) => d.length > 0);
}
