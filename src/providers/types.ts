/**
 * Core provider types. The router talks to every provider through these; an
 * adapter maps its own wire format, finish reasons, errors and usage into them.
 * Nothing here imports an adapter.
 */
import type { ChatCompletionRequest } from "./chat-schema";
import type { SseTranslator } from "./sse-translator";

/** The family a model belongs to (its public id's prefix); not where it runs, which is its routes'. */
export type ProviderId = "openai" | "mistral" | "anthropic" | "google";
/** Where an endpoint processes requests. Anything but "eu" needs the account's consent. */
export type DataRegion = "eu" | "us" | "global";
export const DATA_REGIONS: readonly DataRegion[] = ["eu", "us", "global"];

/**
 * The wire formats the router speaks; an endpoint speaks one of them.
 * "azure-openai" is OpenAI's Chat Completions as Azure serves it (its header,
 * deployments and content-filter quirks); "vertex" is Vertex AI's publisher
 * models, Gemini's format for Google's models and Anthropic's for Claude
 * (the route's upstream model names the publisher: "google/…", "anthropic/…").
 */
export type WireFormat = "openai" | "mistral" | "anthropic" | "gemini" | "azure-openai" | "vertex";

/**
 * One way to serve a model: a provider endpoint (src/providers/endpoints.ts),
 * the model name that endpoint expects, where it processes requests, its
 * prices and its limits. Routes of one model may differ in all of these.
 */
export interface Route {
  endpoint: string;
  upstreamModel: string;
  region: DataRegion;
  pricing: ModelPricing;
  contextLength: number;
  /** Most tokens one completion can have on this route (bounds the limiter's reservation). */
  maxOutputTokens: number;
  /** Per-route timeouts; absent fields take the router's defaults (UPSTREAM_TIMEOUT_MS, STREAM_IDLE_TIMEOUT_MS). */
  timeouts?: RouteTimeouts;
  /** What the provider keeps on this route, when the catalogue says more than its endpoint's terms (see retentionOf). */
  retention?: Retention;
}

/**
 * What a provider keeps of the requests a route sends it: the router stores
 * no prompt or output, but each provider keeps what its terms (or the
 * operator's contract with it) say. Operator configuration, with its source.
 */
export interface Retention {
  /** Zero data retention: the provider keeps no prompt or output once it has answered. */
  zdr: boolean;
  /** The longest the provider may keep prompts and outputs, in days (0 under zero data retention). */
  days: number;
  /** Why it keeps them, e.g. "abuse_monitoring", "prompt_caching". */
  purposes: readonly string[];
  /** Where this is stated: the provider's published terms (a URL) or the operator's contract. */
  source: string;
}

export interface RouteTimeouts {
  /** Longest wait for the upstream's response headers. */
  firstByteMs?: number;
  /** Longest silence between two stream chunks. */
  idleMs?: number;
}

/** A route's key in health records and logs. */
export const routeKey = (route: Pick<Route, "endpoint" | "upstreamModel">): string => `${route.endpoint}:${route.upstreamModel}`;

/**
 * A public model: an id clients name, and the ordered routes that serve it
 * (first is preferred; EU-hosted routes come first). contextLength and
 * maxOutputTokens are the largest of its routes'.
 */
export interface ModelEntry {
  /** Public id, `provider/model`. */
  id: string;
  provider: ProviderId;
  name: string;
  routes: readonly Route[];
  contextLength: number;
  maxOutputTokens: number;
  /**
   * Present on an embedding model (served by POST /v1/embeddings only, never
   * by the chat endpoints); absent on a chat model. Its contextLength is the
   * most tokens one input may have, and its maxOutputTokens is 0.
   */
  embedding?: EmbeddingTraits;
}

/** What an embedding model returns: vectors of `dimensions` floats, or fewer on request when it takes `minDimensions`. */
export interface EmbeddingTraits {
  dimensions: number;
  /** The fewest dimensions a request may ask for (`dimensions`); absent when the model's size is fixed. */
  minDimensions?: number;
}

/**
 * USD per million tokens. cachedPrompt is the price of a prompt token read from
 * the provider's cache (the prompt price when absent).
 */
export interface ModelPricing {
  prompt: number;
  completion: number;
  cachedPrompt?: number;
  /** Higher prices some models charge for a long prompt. */
  longContext?: LongContextPricing;
}

/**
 * A request whose prompt (cached tokens included) has more than aboveTokens
 * tokens is billed entirely at these prices: every prompt, cached and
 * completion token of that request, not only the tokens past the threshold.
 * That is how OpenAI (over 272K input tokens), Anthropic (prompts over 100,000
 * tokens) and Google (prompts over 200k tokens) document their long-context
 * prices.
 */
export interface LongContextPricing {
  aboveTokens: number;
  prompt: number;
  completion: number;
  cachedPrompt?: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

/** Connection settings of one endpoint for one route, from operator configuration only. */
export interface ProviderConfig {
  baseUrl: string;
  /** A static credential (how it is sent is the wire format's business); absent for token-based endpoints. */
  apiKey: string | undefined;
  /**
   * An OAuth access token source (Vertex AI's service account): cached per
   * isolate, refreshed before expiry (a fresh cached token comes back at
   * once, without a promise). Rejects with an ApiError (502
   * `upstream_auth_token_failed`) that is a failure of this route.
   */
  accessToken?: () => string | Promise<string>;
  /** The name the endpoint knows the route's model by, when it is not upstreamModel (an Azure deployment). */
  deployment?: string;
  /** Vertex AI: the Google Cloud project and location in its resource paths. */
  vertex?: { project: string; location: string };
  /**
   * Longest wait for response headers; for a stream, also for its first
   * content, counted from the request (keep-alives do not extend it).
   */
  timeoutMs: number;
}

/** One attempt on one route: what an adapter needs, and nothing from the client but its request. */
export interface ProviderCall {
  request: ChatCompletionRequest;
  route: Route;
  config: ProviderConfig;
  /** The endpoint's name in error messages ("OpenAI", "Mistral"). */
  label: string;
  requestId: string;
  /** Fires when the client goes away; the upstream call is cancelled with it. */
  clientSignal: AbortSignal;
  /** Longest silence allowed between stream reads (the route's, from the routing plan); two minutes when absent. */
  idleTimeoutMs?: number;
  /**
   * A stream's events in the client's format when it is not OpenAI's
   * (/v1/messages): the relay runs this translator on the OpenAI-format
   * events inside the adapter (see thenTranslate), so they are not encoded
   * and parsed again. Absent: OpenAI's format.
   */
  clientStream?: SseTranslator;
}

/** How a request ended, known once its response body has been fully sent or abandoned. */
export interface CallOutcome {
  usage: Usage | null;
  result: "completed" | "upstream_error" | "client_aborted";
  /** ms since epoch of the first byte received from upstream. */
  firstByteAt: number | null;
  /**
   * A stream that ended early (the client left, or the upstream failed after
   * it had started): the text generated until then, to count what the
   * provider did not report.
   */
  generated?: string;
  /** The usage is partly the router's count, not the provider's report (set by the router). */
  usageEstimated?: boolean;
  /** ms since epoch when the call ended, before any token counting (set by the router). */
  endedAt?: number;
}

export interface ChatResult {
  /** The response for the client, in OpenAI format (a stream: in the call's clientStream format when it names one). */
  response: Response;
  outcome: Promise<CallOutcome>;
}

/** An adapter for one wire format. chat() resolving means the response is committed to the client. */
export interface ChatProvider {
  readonly wire: WireFormat;
  chat(call: ProviderCall): Promise<ChatResult>;
}
