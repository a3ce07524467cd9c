/**
 * Creates (or finds) the demo account and issues a key, through the operator
 * and customer APIs like any client would. The demo account has not consented
 * to processing outside the EU, as a new customer has not: every model family
 * answers through its EU-hosted routes. `consent: true` records it (tests of
 * fallbacks to non-EU routes).
 */
export interface Demo {
  accountId: string;
  key: string;
}

interface ApiResult {
  status: number;
  json: { id?: string; key?: string; data?: { id: string }[] };
}

async function api(url: string, token: string, method: string, body?: unknown): Promise<ApiResult> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as ApiResult["json"] };
}

/** Credit (USD) a new demo account is granted. */
const DEMO_CREDITS_USD = 100;

export async function createDemo(routerUrl: string, adminToken: string, email = "demo@emby.local", options: { consent?: boolean } = {}): Promise<Demo> {
  let account = await api(`${routerUrl}/admin/v1/accounts`, adminToken, "POST", { email, name: "Demo", tier: "pro" });
  if (account.status === 409) {
    const found = await api(`${routerUrl}/admin/v1/accounts/lookup`, adminToken, "POST", { email });
    account = { status: found.status, json: found.json.data?.[0] ?? {} };
  }
  if (account.status >= 300) throw new Error(`creating the demo account failed: ${JSON.stringify(account.json)}`);
  const accountId = account.json.id;
  if (!accountId) throw new Error("the demo account has no id");
  // Inference needs prepaid credit: a new demo account gets some (an operator grant).
  if (account.status === 201) {
    const grant = await api(`${routerUrl}/admin/v1/accounts/${accountId}/credits`, adminToken, "POST", { amount_usd: DEMO_CREDITS_USD, note: "demo credit" });
    if (grant.status !== 201) throw new Error(`granting the demo credit failed: ${JSON.stringify(grant.json)}`);
  }
  const key = await api(`${routerUrl}/admin/v1/accounts/${accountId}/keys`, adminToken, "POST", { name: "demo" });
  if (key.status !== 201 || !key.json.key) throw new Error(`creating the demo key failed: ${JSON.stringify(key.json)}`);
  const consent = await api(`${routerUrl}/v1/account/consent`, key.json.key, "PUT", { non_eu_transfer: options.consent === true });
  if (consent.status !== 200) throw new Error(`recording consent failed: ${JSON.stringify(consent.json)}`);
  return { accountId, key: key.json.key };
}

/** True when the key still authenticates (so a saved demo key can be reused). */
export async function keyWorks(routerUrl: string, key: string): Promise<boolean> {
  const res = await fetch(`${routerUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  await res.body?.cancel();
  return res.status === 200;
}
