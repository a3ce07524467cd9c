/**
 * Bench customers, created through the operator and customer APIs like any
 * client would: enterprise tier (the highest limits) and consent to non-EU
 * processing, one account and key per connection. Load spread over many
 * accounts is what a router sees; it keeps every request admitted, so the
 * limiter's cost is measured, not its 429s — a single account at thousands of
 * requests per second would be over any tier's limits.
 */
interface ApiReply {
  status: number;
  json: { id?: string; key?: string };
}

async function call(url: string, token: string, method: string, body: unknown): Promise<ApiReply> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as ApiReply["json"] };
}

/** Credit (USD) each bench account is granted. */
const BENCH_CREDITS_USD = 10_000;

async function createCustomer(routerUrl: string, adminToken: string, index: number): Promise<string> {
  const account = await call(`${routerUrl}/admin/v1/accounts`, adminToken, "POST", { email: `bench-${index}@emby.local`, name: `Bench ${index}`, tier: "enterprise" });
  if (account.status !== 201 || !account.json.id) throw new Error(`creating a bench account failed: HTTP ${account.status} ${JSON.stringify(account.json)}`);
  // Inference needs prepaid credit: ample for any run against the fake upstream.
  const grant = await call(`${routerUrl}/admin/v1/accounts/${account.json.id}/credits`, adminToken, "POST", { amount_usd: BENCH_CREDITS_USD, note: "bench credit" });
  if (grant.status !== 201) throw new Error(`granting bench credit failed: HTTP ${grant.status} ${JSON.stringify(grant.json)}`);
  const key = await call(`${routerUrl}/admin/v1/accounts/${account.json.id}/keys`, adminToken, "POST", { name: "bench" });
  if (key.status !== 201 || !key.json.key) throw new Error(`creating a bench key failed: HTTP ${key.status} ${JSON.stringify(key.json)}`);
  const consent = await call(`${routerUrl}/v1/account/consent`, key.json.key, "PUT", { non_eu_transfer: true });
  if (consent.status !== 200) throw new Error(`recording consent failed: HTTP ${consent.status} ${JSON.stringify(consent.json)}`);
  return key.json.key;
}

/** Creates `count` customers, a few at a time; returns their API keys. */
export async function createBenchKeys(routerUrl: string, adminToken: string, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) => createCustomer(routerUrl, adminToken, i + j));
    keys.push(...(await Promise.all(batch)));
  }
  return keys;
}
