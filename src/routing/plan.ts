/**
 * Which routes a request may use, in the order they are tried: the requested
 * model's routes, then each fallback model's (`models`), each list filtered
 * and ordered by
 * 1. the request's `provider.only` / `provider.ignore`;
 * 2. `provider.zdr: true`: routes whose provider keeps nothing (their
 *    retention as this router is configured, route-retention.ts);
 * 3. the operator's configuration: a route whose endpoint has no base URL,
 *    credential or other setting it needs (an Azure deployment, a Vertex
 *    project) is skipped;
 * 4. region: an account without consent to transfers outside the EU, a key
 *    restricted to the EU, or `provider.data_region: "eu"` keeps `eu` routes
 *    only;
 * 5. output: a route whose maxOutputTokens is below the completion maximum
 *    the request asked for (max_tokens, max_completion_tokens) is skipped:
 *    its provider would refuse the request;
 * 6. `provider.sort` (price: prompt + completion price; or observed latency,
 *    unknown last), then `provider.order` (named endpoints first, in that
 *    order; the others keep their place after them);
 * 7. `provider.allow_fallbacks: false` keeps the endpoints named in `order`,
 *    or the first route when `order` names none (OpenRouter's "use only the
 *    primary/custom provider", openrouter.ai/docs/features/provider-routing);
 * 8. health: a route whose circuit breaker is open is skipped; a half-open
 *    one is tried only as the probe (the attempt loop claims it).
 * When nothing is left, the error names the step that emptied the requested
 * model's list, in the order above, so the client learns what it can change.
 * Configuration comes before region on purpose: a model whose EU routes this
 * router does not serve, but which runs here outside the EU, is refused for
 * want of consent (which the client can give), not as unconfigured; only a
 * model with no configured route at all answers 502 provider_not_configured.
 */
import type { RouteState } from "./health-view";
import { endpointConfig, findEndpoint, type EndpointDef } from "../providers/endpoints";
import { retentionOf } from "../providers/route-retention";
import { endpointMatches, type ProviderPreferences } from "../providers/routing-fields";
import { routeKey, type ModelEntry, type ProviderConfig, type Route } from "../providers/types";
import { ApiError, DEFAULT_RETRY_AFTER_S, errors } from "../shared/errors";

export interface Candidate {
  model: ModelEntry;
  route: Route;
  endpoint: EndpointDef;
  config: ProviderConfig;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  /** The route's breaker is half-open: it is tried only if this request wins the probe. */
  probe: boolean;
}

/** The health of routes as this isolate knows it (src/routing/health.ts). */
export interface HealthReader {
  state(key: string): RouteState;
  latencyMs(key: string): number | null;
}

export interface Access {
  nonEuConsent: boolean;
  /** The API key may use EU-hosted routes only. */
  euOnlyKey: boolean;
  allowedModels: readonly string[] | null;
}

/** The completion maximum a request asked for, and the field it used. */
export interface RequestedOutput {
  tokens: number;
  field: string;
}

export interface PlanInput {
  /** The requested model first, then the fallback models, as the body lists them (repeats included). */
  models: readonly ModelEntry[];
  prefs: ProviderPreferences | null | undefined;
  access: Access;
  env: Env;
  health: HealthReader;
  defaults: { firstByteMs: number; idleMs: number };
  /** null (or absent) when the request set no maximum. */
  maxOutput?: RequestedOutput | null;
  /** Ids of models with an EU route this router serves, for the consent error. */
  euModels(): string[];
}

type Reason = "preferences" | "zdr" | "configuration" | "region" | "output" | "health";

interface ModelPlan {
  candidates: Candidate[];
  /** Why the list is empty, when it is. */
  emptiedBy: Reason | null;
  /** The largest output of the routes left before the requested output filtered them (for its error). */
  outputLimit: number;
}

const combinedPrice = (r: Route) => r.pricing.prompt + r.pricing.completion;

function planModel(model: ModelEntry, input: PlanInput): ModelPlan {
  const { prefs, access, env, health, defaults } = input;
  const euOnly = !access.nonEuConsent || access.euOnlyKey || prefs?.data_region === "eu";
  let routes = [...model.routes];
  let emptiedBy: Reason | null = null;
  const keep = (reason: Reason, test: (r: Route) => boolean) => {
    const kept = routes.filter(test);
    if (kept.length === 0 && routes.length > 0) emptiedBy ??= reason;
    routes = kept;
  };
  // Preferences before region: `only` naming a route that exists outside the
  // EU is answered with what is missing (consent), not with "no such route".
  if (prefs?.only) keep("preferences", (r) => prefs.only!.some((n) => endpointMatches(n, r.endpoint)));
  if (prefs?.ignore) keep("preferences", (r) => !prefs.ignore!.some((n) => endpointMatches(n, r.endpoint)));
  if (prefs?.zdr) keep("zdr", (r) => retentionOf(r, env).zdr);

  const configured = new Map<Route, { endpoint: EndpointDef; config: ProviderConfig; firstByteTimeoutMs: number }>();
  for (const route of routes) {
    const endpoint = findEndpoint(route.endpoint);
    const firstByteTimeoutMs = route.timeouts?.firstByteMs ?? defaults.firstByteMs;
    const config = endpoint ? endpointConfig(endpoint, env, route, firstByteTimeoutMs) : null;
    if (endpoint && config) configured.set(route, { endpoint, config, firstByteTimeoutMs });
  }
  keep("configuration", (r) => configured.has(r));
  if (euOnly) keep("region", (r) => r.region === "eu");
  const outputLimit = Math.max(0, ...routes.map((r) => r.maxOutputTokens));
  const maxOutput = input.maxOutput;
  if (maxOutput) keep("output", (r) => r.maxOutputTokens >= maxOutput.tokens);

  let candidates: Candidate[] = routes.map((route) => {
    const { endpoint, config, firstByteTimeoutMs } = configured.get(route)!;
    return { model, route, endpoint, config, firstByteTimeoutMs, idleTimeoutMs: route.timeouts?.idleMs ?? defaults.idleMs, probe: false };
  });

  if (prefs?.sort === "price") candidates.sort((a, b) => combinedPrice(a.route) - combinedPrice(b.route));
  if (prefs?.sort === "latency") {
    const latency = (c: Candidate) => health.latencyMs(routeKey(c.route)) ?? Number.POSITIVE_INFINITY;
    candidates.sort((a, b) => latency(a) - latency(b));
  }
  const inOrder = (c: Candidate) => prefs!.order!.findIndex((n) => endpointMatches(n, c.route.endpoint));
  if (prefs?.order) {
    const rank = (c: Candidate) => (inOrder(c) === -1 ? prefs.order!.length : inOrder(c));
    candidates.sort((a, b) => rank(a) - rank(b));
  }
  // As OpenRouter defines it: no backup beyond the named endpoints (`order`),
  // or beyond the first route when none are named. Decided before health, so
  // a paused route is an error for this request, not a silent reroute.
  if (prefs?.allow_fallbacks === false) {
    const before = candidates.length;
    candidates = prefs.order ? candidates.filter((c) => inOrder(c) !== -1) : candidates.slice(0, 1);
    if (candidates.length === 0 && before > 0) emptiedBy ??= "preferences";
  }

  const healthy: Candidate[] = [];
  for (const c of candidates) {
    const state = health.state(routeKey(c.route));
    if (state !== "open") healthy.push(state === "half_open" ? { ...c, probe: true } : c);
  }
  if (healthy.length === 0 && candidates.length > 0) emptiedBy ??= "health";
  return { candidates: healthy, emptiedBy, outputLimit };
}

/** The routes to try, in order; throws the error that explains an empty list. */
export function planRoutes(input: PlanInput): Candidate[] {
  const { access } = input;
  for (const [i, model] of input.models.entries()) {
    if (access.allowedModels && !access.allowedModels.includes(model.id)) {
      const where = i === 0 ? "model" : `models[${i - 1}]`;
      throw new ApiError(403, "permission_error", "model_not_allowed", `This API key is not allowed to use '${model.id}'.`, where);
    }
  }
  // A model named twice (`models` repeating `model`) is planned once, in its first place.
  const plans = input.models.filter((m, i) => input.models.indexOf(m) === i).map((m) => planModel(m, input));
  const candidates = plans.flatMap((p) => p.candidates);
  if (candidates.length > 0) return candidates;
  throw emptyPlanError(input, plans[0]!.emptiedBy ?? "configuration", plans[0]!.outputLimit);
}

function emptyPlanError(input: PlanInput, reason: Reason, outputLimit: number): ApiError {
  const model = input.models[0]!;
  const euList = () => {
    // Only models this key may use: naming others would send the client to another refusal.
    const allowed = input.access.allowedModels;
    const ids = input.euModels().filter((id) => !allowed || allowed.includes(id));
    return ids.length > 0 ? ` Models that run in the EU: ${ids.join(", ")}.` : "";
  };
  switch (reason) {
    case "region":
      if (!input.access.nonEuConsent) {
        return errors.forbidden(
          `'${model.id}' has no route in the EU on this router, and this account has not consented to processing outside the EU. Record consent with PUT /v1/account/consent, or use an EU-hosted model.${euList()}`,
          "consent_required",
        );
      }
      return errors.forbidden(
        `'${model.id}' has no route in the EU on this router, and ${input.access.euOnlyKey ? "this API key is restricted to EU-hosted routes" : "the request asked for provider.data_region 'eu'"}.${euList()}`,
        "data_region_restricted",
      );
    case "zdr": {
      const kept = model.routes.map((r) => {
        const { days, purposes } = retentionOf(r, input.env);
        return `${r.endpoint} (keeps up to ${days} days: ${purposes.join(", ") || "unstated"})`;
      });
      return errors.invalidRequest(
        `provider.zdr is true, but no route of '${model.id}' has zero data retention on this router. Its routes: ${kept.join("; ")}. Leave out provider.zdr, or use another model.`,
        "provider.zdr",
        "no_zdr_route",
      );
    }
    case "preferences":
      return errors.invalidRequest(
        `No route of '${model.id}' matches the request's provider preferences (only, ignore, or order with allow_fallbacks false). Its endpoints: ${model.routes.map((r) => r.endpoint).join(", ")}.`,
        "provider",
        "no_route_matches",
      );
    case "output": {
      const { tokens, field } = input.maxOutput!;
      // As providers word it (OpenAI: "max_tokens is too large: N. This model supports at most M completion tokens").
      return errors.invalidRequest(
        `${field} is too large: ${tokens}. '${model.id}' supports at most ${outputLimit} completion tokens on the routes this request may use; lower ${field}.`,
        field,
        "invalid_value",
      );
    }
    case "health":
      return new ApiError(503, "upstream_error", "routes_unavailable", `Every route of '${model.id}' is failing and paused; retry shortly.`, null, {
        "retry-after": String(DEFAULT_RETRY_AFTER_S),
      });
    case "configuration":
      return errors.upstream(`No endpoint serving '${model.id}' is configured on this router.`, "provider_not_configured");
  }
}
