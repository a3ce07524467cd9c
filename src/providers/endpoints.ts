/**
 * Provider endpoints: where a route's requests go. An endpoint is a wire
 * format plus operator configuration (a base URL var and a credential
 * secret), and the region where that endpoint processes requests. Adding an
 * endpoint that speaks a known wire format is an entry here and its vars; a
 * new wire format is one adapter (src/providers/registry.ts).
 *
 * Region claims, each from the provider's own document:
 * - `mistral-eu` is "eu": Mistral's regional EU endpoint, api.eu.mistral.ai.
 *   Mistral's "Inference" page (mistral.ai/cloud/inference): "Process requests
 *   in the EU or, for supported models, US ... Each region is a fully
 *   independent deployment with its own capacity and data boundary." The
 *   global api.mistral.ai gives no such guarantee, so `mistral-global` is "global".
 *   The claim holds for the default MISTRAL_BASE_URL only: an operator who
 *   points it elsewhere must not keep calling the endpoint EU.
 * - `openai` is "us": OpenAI's "Data residency for the OpenAI API" (help
 *   center) processes API requests in the United States unless a project was
 *   created with European data residency, on the separate EU base URL.
 * - `anthropic` is "us": Anthropic's API processes requests in the US.
 * - `google` is "global": the Gemini API (generativelanguage.googleapis.com)
 *   names no processing region.
 */
import type { DataRegion, ProviderConfig, WireFormat } from "./types";

export interface EndpointDef {
  id: string;
  /** The name in error messages. */
  label: string;
  wire: WireFormat;
  /** Where this endpoint processes requests; a route on it can claim no better. */
  region: DataRegion;
  baseUrl(env: Env): string | undefined;
  apiKey(env: Env): string | undefined;
  /**
   * For an "eu" endpoint: the hosts the provider's EU guarantee names. In
   * production (DURABLE_OBJECT_JURISDICTION "eu") a base URL on any other
   * host makes the endpoint unusable rather than wrongly "eu": an account
   * without consent must never be sent outside the EU by a configuration
   * slip. Local and test setups (jurisdiction "none") point at the fake
   * upstream and are not checked.
   */
  euHosts?: readonly string[];
}

export const ENDPOINTS = {
  openai: { id: "openai", label: "OpenAI", wire: "openai", region: "us", baseUrl: (env) => env.OPENAI_BASE_URL, apiKey: (env) => env.OPENAI_API_KEY },
  "mistral-eu": { id: "mistral-eu", label: "Mistral (EU)", wire: "mistral", region: "eu", baseUrl: (env) => env.MISTRAL_BASE_URL, apiKey: (env) => env.MISTRAL_API_KEY, euHosts: ["api.eu.mistral.ai"] },
  "mistral-global": { id: "mistral-global", label: "Mistral", wire: "mistral", region: "global", baseUrl: (env) => env.MISTRAL_GLOBAL_BASE_URL, apiKey: (env) => env.MISTRAL_API_KEY },
  anthropic: { id: "anthropic", label: "Anthropic", wire: "anthropic", region: "us", baseUrl: (env) => env.ANTHROPIC_BASE_URL, apiKey: (env) => env.ANTHROPIC_API_KEY },
  google: { id: "google", label: "Gemini", wire: "gemini", region: "global", baseUrl: (env) => env.GEMINI_BASE_URL, apiKey: (env) => env.GEMINI_API_KEY },
} as const satisfies Record<string, EndpointDef>;

export type EndpointId = keyof typeof ENDPOINTS;
export const ENDPOINT_IDS = Object.keys(ENDPOINTS) as EndpointId[];

export function findEndpoint(id: string): EndpointDef | undefined {
  return Object.hasOwn(ENDPOINTS, id) ? ENDPOINTS[id as EndpointId] : undefined;
}

/** Per env (one per deployment), per endpoint: whether its EU claim holds for its base URL. Judged once, not per request. */
const euClaims = new WeakMap<object, Map<string, boolean>>();

function euClaimHolds(endpoint: EndpointDef, env: Env, baseUrl: string): boolean {
  if (endpoint.region !== "eu" || !endpoint.euHosts || env.DURABLE_OBJECT_JURISDICTION !== "eu") return true;
  let claims = euClaims.get(env);
  if (!claims) euClaims.set(env, (claims = new Map()));
  let holds = claims.get(endpoint.id);
  if (holds === undefined) {
    let url: URL | null = null;
    try {
      url = new URL(baseUrl);
    } catch {
      // Not a URL: the claim cannot hold.
    }
    holds = url !== null && url.protocol === "https:" && endpoint.euHosts.includes(url.hostname);
    if (!holds) console.error(`endpoint ${endpoint.id} not used: its base URL is not on a host its EU guarantee names (${endpoint.euHosts.join(", ")})`);
    claims.set(endpoint.id, holds);
  }
  return holds;
}

/**
 * The endpoint's connection settings, or null when it cannot be used: the
 * operator has not configured it (no base URL or no credential), or, for an
 * EU endpoint in production, its base URL is not a host its EU claim rests on.
 */
export function endpointConfig(endpoint: EndpointDef, env: Env, timeoutMs: number): ProviderConfig | null {
  const baseUrl = endpoint.baseUrl(env);
  const apiKey = endpoint.apiKey(env);
  if (!baseUrl || !apiKey || !euClaimHolds(endpoint, env, baseUrl)) return null;
  return { baseUrl, apiKey, timeoutMs };
}
