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
 * - `openai-eu` is "eu": the same document: projects created with European
 *   data residency are served on eu.api.openai.com, which processes (and
 *   keeps) their data in the EU.
 * - `azure-eu` is "eu" when the operator's Azure OpenAI resource is in an EU
 *   member state and its deployments are DataZoneStandard (EU data zone) or
 *   regional Standard: Microsoft's "Deployment types" page keeps a data zone
 *   deployment's processing within the EU data zone. A URL cannot show a
 *   resource's region, so the operator states it (AZURE_OPENAI_EU_REGION)
 *   and the router uses the endpoint only when that is an EU region.
 * - `vertex-eu` is "eu": Vertex AI's "Data residency" page guarantees
 *   in-region processing for the model/location pairs it lists, on the `eu`
 *   multi-region endpoint (aiplatform.eu.rep.googleapis.com) or an EU
 *   region's endpoint ({region}-aiplatform.googleapis.com).
 */
import { googleAccessTokenSource } from "./google-auth/token-source";
import { STANDARD_RETENTION } from "./retention";
import type { DataRegion, ProviderConfig, Retention, Route, WireFormat } from "./types";

export interface EndpointDef {
  id: string;
  /** The name in error messages. */
  label: string;
  wire: WireFormat;
  /** Where this endpoint processes requests; a route on it can claim no better. */
  region: DataRegion;
  baseUrl(env: Env): string | undefined;
  /** The static credential; endpoints that authenticate with a token source (settings) have none. */
  apiKey(env: Env): string | undefined;
  /**
   * For an "eu" endpoint: whether the base URL (and the operator's other
   * settings) are ones the provider's EU guarantee names. In production
   * (DURABLE_OBJECT_JURISDICTION "eu") an endpoint failing it is unusable
   * rather than wrongly "eu": an account without consent must never be sent
   * outside the EU by a configuration slip. Local and test setups
   * (jurisdiction "none") point at the fake upstream and are not checked.
   */
  euClaim?(url: URL, env: Env): boolean;
  /** The hosts the EU guarantee names, for the error an operator reads when euClaim fails. */
  euHosts?: string;
  /**
   * What else a call on this endpoint needs for one route (a deployment name,
   * a project, an access token source), or null when the endpoint cannot
   * serve that route as configured (no deployment of its model, no project).
   */
  settings?(env: Env, route: Route): Partial<ProviderConfig> | null;
  /** What the provider keeps under its standard terms (the operator's contract may say otherwise: see retention.ts). */
  retention: Retention;
}

const hostIs =
  (...hosts: string[]) =>
  (url: URL): boolean =>
    url.protocol === "https:" && hosts.includes(url.hostname);

/** Google Cloud regions in EU member states (cloud.google.com/about/locations). */
const GCP_EU_REGIONS: readonly string[] = [
  "europe-central2", "europe-north1", "europe-north2", "europe-southwest1", "europe-west1", "europe-west3",
  "europe-west4", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
];

/** Azure regions in EU member states (learn.microsoft.com, "Azure geographies"). */
const AZURE_EU_REGIONS: readonly string[] = [
  "swedencentral", "francecentral", "germanywestcentral", "italynorth", "polandcentral", "spaincentral",
  "westeurope", "northeurope", "austriaeast", "belgiumcentral", "denmarkeast", "finlandcentral", "greececentral",
];

/** The endpoint's settings for a route, once per env and route: they do not change while an isolate lives. */
function perRoute(build: (env: Env, route: Route) => Partial<ProviderConfig> | null) {
  const cache = new WeakMap<object, Map<string, Partial<ProviderConfig> | null>>();
  return (env: Env, route: Route): Partial<ProviderConfig> | null => {
    let byRoute = cache.get(env);
    if (!byRoute) cache.set(env, (byRoute = new Map()));
    const key = route.upstreamModel;
    if (!byRoute.has(key)) byRoute.set(key, build(env, route));
    return byRoute.get(key)!;
  };
}

/**
 * AZURE_OPENAI_EU_DEPLOYMENTS: "model=deployment" pairs, comma-separated; a
 * bare "model" is a deployment of the same name (Azure's default). Only
 * models listed have an Azure route: a model the operator has not deployed
 * would answer 404 DeploymentNotFound.
 */
export function azureDeployments(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const item of (value ?? "").split(",")) {
    const [model, deployment] = item.split("=").map((s) => s.trim());
    if (model && /^[A-Za-z0-9._:-]{1,128}$/.test(deployment || model)) map.set(model, deployment || model);
  }
  return map;
}

export const ENDPOINTS = {
  "openai-eu": {
    id: "openai-eu", label: "OpenAI (EU)", wire: "openai", region: "eu",
    baseUrl: (env) => env.OPENAI_EU_BASE_URL, apiKey: (env) => env.OPENAI_EU_API_KEY,
    euClaim: hostIs("eu.api.openai.com"), euHosts: "eu.api.openai.com",
    retention: STANDARD_RETENTION.openaiEu,
  },
  openai: { id: "openai", label: "OpenAI", wire: "openai", region: "us", baseUrl: (env) => env.OPENAI_BASE_URL, apiKey: (env) => env.OPENAI_API_KEY, retention: STANDARD_RETENTION.openai },
  "azure-eu": {
    id: "azure-eu", label: "Azure OpenAI (EU)", wire: "azure-openai", region: "eu",
    baseUrl: (env) => env.AZURE_OPENAI_EU_BASE_URL, apiKey: (env) => env.AZURE_OPENAI_EU_API_KEY,
    euClaim: (url, env) =>
      url.protocol === "https:" &&
      /^[a-z0-9][a-z0-9-]{1,62}\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/.test(url.hostname) &&
      AZURE_EU_REGIONS.includes((env.AZURE_OPENAI_EU_REGION ?? "").toLowerCase()),
    euHosts: "a resource {name}.openai.azure.com whose region (AZURE_OPENAI_EU_REGION) is in the EU",
    settings: perRoute((env, route) => {
      const deployment = azureDeployments(env.AZURE_OPENAI_EU_DEPLOYMENTS).get(route.upstreamModel);
      return deployment ? { deployment } : null;
    }),
    retention: STANDARD_RETENTION.azure,
  },
  "mistral-eu": {
    id: "mistral-eu", label: "Mistral (EU)", wire: "mistral", region: "eu",
    baseUrl: (env) => env.MISTRAL_BASE_URL, apiKey: (env) => env.MISTRAL_API_KEY,
    euClaim: hostIs("api.eu.mistral.ai"), euHosts: "api.eu.mistral.ai",
    retention: STANDARD_RETENTION.mistral,
  },
  "mistral-global": { id: "mistral-global", label: "Mistral", wire: "mistral", region: "global", baseUrl: (env) => env.MISTRAL_GLOBAL_BASE_URL, apiKey: (env) => env.MISTRAL_API_KEY, retention: STANDARD_RETENTION.mistral },
  "vertex-eu": {
    id: "vertex-eu", label: "Vertex AI (EU)", wire: "vertex", region: "eu",
    baseUrl: (env) => env.VERTEX_EU_BASE_URL, apiKey: () => undefined,
    euClaim: (url, env) => {
      const location = env.VERTEX_EU_LOCATION || "eu";
      if (url.protocol !== "https:") return false;
      if (url.hostname === "aiplatform.eu.rep.googleapis.com") return location === "eu";
      return GCP_EU_REGIONS.includes(location) && url.hostname === `${location}-aiplatform.googleapis.com`;
    },
    euHosts: "aiplatform.eu.rep.googleapis.com (location eu) or {region}-aiplatform.googleapis.com for an EU region",
    settings: perRoute((env) => {
      const accessToken = googleAccessTokenSource(env);
      if (!env.VERTEX_EU_PROJECT || !accessToken) return null;
      return { accessToken, vertex: { project: env.VERTEX_EU_PROJECT, location: env.VERTEX_EU_LOCATION || "eu" } };
    }),
    retention: STANDARD_RETENTION.vertex,
  },
  anthropic: { id: "anthropic", label: "Anthropic", wire: "anthropic", region: "us", baseUrl: (env) => env.ANTHROPIC_BASE_URL, apiKey: (env) => env.ANTHROPIC_API_KEY, retention: STANDARD_RETENTION.anthropic },
  google: { id: "google", label: "Gemini", wire: "gemini", region: "global", baseUrl: (env) => env.GEMINI_BASE_URL, apiKey: (env) => env.GEMINI_API_KEY, retention: STANDARD_RETENTION.gemini },
} as const satisfies Record<string, EndpointDef>;

export type EndpointId = keyof typeof ENDPOINTS;
export const ENDPOINT_IDS = Object.keys(ENDPOINTS) as EndpointId[];

export function findEndpoint(id: string): EndpointDef | undefined {
  return Object.hasOwn(ENDPOINTS, id) ? ENDPOINTS[id as EndpointId] : undefined;
}

/** Per env (one per deployment), per endpoint: whether its EU claim holds for its configuration. Judged once, not per request. */
const euClaims = new WeakMap<object, Map<string, boolean>>();

function euClaimHolds(endpoint: EndpointDef, env: Env, baseUrl: string): boolean {
  if (endpoint.region !== "eu" || !endpoint.euClaim || env.DURABLE_OBJECT_JURISDICTION !== "eu") return true;
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
    holds = url !== null && endpoint.euClaim(url, env);
    if (!holds) console.error(`endpoint ${endpoint.id} not used: its configuration is not one its EU guarantee names (${endpoint.euHosts ?? "see src/providers/endpoints.ts"})`);
    claims.set(endpoint.id, holds);
  }
  return holds;
}

/**
 * The connection settings of a route's endpoint, or null when it cannot be
 * used: the operator has not configured it (no base URL, no credential, or
 * nothing this route needs such as an Azure deployment of its model), or,
 * for an EU endpoint in production, its configuration is not one its EU
 * claim rests on.
 */
export function endpointConfig(endpoint: EndpointDef, env: Env, route: Route, timeoutMs: number): ProviderConfig | null {
  const baseUrl = endpoint.baseUrl(env);
  if (!baseUrl || !euClaimHolds(endpoint, env, baseUrl)) return null;
  const extra = endpoint.settings ? endpoint.settings(env, route) : {};
  if (extra === null) return null;
  const apiKey = endpoint.apiKey(env);
  if (!apiKey && !extra.accessToken) return null;
  return { ...extra, baseUrl, apiKey, timeoutMs };
}
