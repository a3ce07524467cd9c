import type { KeyScope, Tier, AccountStatus } from "../db/schema";
import type { CallOutcome, DataRegion, ModelEntry, ModelPricing } from "../providers/types";

/** What authentication establishes about the caller, for the rest of the request. */
export interface AuthContext {
  keyId: string;
  accountId: string;
  tier: Tier;
  accountStatus: AccountStatus;
  scopes: readonly KeyScope[];
  allowedModels: readonly string[] | null;
  limits: { rpm: number | null; tpm: number | null; concurrency: number | null };
  nonEuConsent: boolean;
}

/** Which error body shape a route speaks: OpenAI's, or Anthropic's on /v1/messages. */
export type ErrorShape = "openai" | "anthropic";

/** One upstream call of a request: where it went and how it ended. */
export interface AttemptRecord {
  /** The endpoint id the call went to. */
  route: string;
  /** The public model id the attempt served (a `models` fallback list may span models). */
  model: string;
  upstreamModel: string;
  /** `ok`, or the router error code the attempt failed with. */
  code: string;
  /** The upstream's HTTP status (or the router's for a failure it named); null when no response came. */
  status: number | null;
  latencyMs: number;
}

/**
 * What the call path learned about a call, for the request's log event
 * (middleware/request-log.ts): the model, the route that answered (null when
 * none did), every attempt in order, and the outcome that settles when the
 * response body has ended. Identifiers, codes and numbers only.
 */
export interface CallRecord {
  model: ModelEntry;
  route: { endpoint: string; upstreamModel: string; region: DataRegion; pricing: ModelPricing } | null;
  attempts: readonly AttemptRecord[];
  streamed: boolean;
  outcome?: Promise<CallOutcome>;
}

/**
 * The record of a call path that counts attempts but keeps no routes: one
 * model, one endpoint. Logged with no route and no attempt log until the call
 * path hands over a CallRecord instead.
 */
export interface CallLog {
  model: ModelEntry;
  streamed: boolean;
  attempts: number;
  outcome?: Promise<CallOutcome>;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    auth: AuthContext;
    errorShape: ErrorShape;
    /** x-ratelimit-* headers of the limiter's decision, put on the response whatever it is. */
    rateLimitHeaders: Record<string, string>;
    /** Set by the chat route once it knows the model (see CallRecord, CallLog). */
    callLog?: CallRecord | CallLog;
    /** Set by onError: the code of the error this request was answered with. */
    errorCode?: string;
  };
}
