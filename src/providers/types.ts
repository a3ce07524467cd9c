/**
 * Core provider types. The router talks to every provider through these; an
 * adapter maps its own wire format, finish reasons, errors and usage into them.
 * Nothing here imports an adapter.
 */
import type { ChatCompletionRequest } from "./chat-schema";

export type ProviderId = "openai" | "mistral" | "anthropic" | "google";
/** Where a provider processes requests. Anything but "eu" needs the account's consent. */
export type DataRegion = "eu" | "us" | "global";

export interface ModelEntry {
  /** Public id, `provider/model`. */
  id: string;
  provider: ProviderId;
  /** The model name the provider's API expects. */
  upstreamModel: string;
  name: string;
  contextLength: number;
  /**
   * Most tokens the model produces in one completion, as the provider documents
   * it (Mistral publishes none: its context length bounds the output). Bounds
   * the limiter's reservation for a request.
   */
  maxOutputTokens: number;
  pricing: ModelPricing;
  region: DataRegion;
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

/** Connection settings of one provider, from operator configuration only. */
export interface ProviderConfig {
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
}

export interface ProviderCall {
  request: ChatCompletionRequest;
  model: ModelEntry;
  requestId: string;
  env: Env;
  /** Fires when the client goes away; the upstream call is cancelled with it. */
  clientSignal: AbortSignal;
  /** Longest silence allowed between stream reads; `STREAM_IDLE_TIMEOUT_MS` when absent. */
  idleTimeoutMs?: number;
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
  /** The response for the client, in OpenAI format. */
  response: Response;
  outcome: Promise<CallOutcome>;
}

export interface ChatProvider {
  readonly id: ProviderId;
  chat(call: ProviderCall): Promise<ChatResult>;
}
