import type { KeyScope, Tier, AccountStatus } from "../db/schema";
import type { CallOutcome, ModelEntry } from "../providers/types";

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

/**
 * What the chat route learned about a call, for the request's log event
 * (middleware/request-log.ts): the model, how many upstream calls were made,
 * and the outcome that settles when the response body has ended.
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
    /** Set by the chat route once it knows the model (see CallLog). */
    callLog?: CallLog;
    /** Set by onError: the code of the error this request was answered with. */
    errorCode?: string;
  };
}
