import type { KeyScope, Tier, AccountStatus } from "../db/schema";
import type { CallOutcome, ModelEntry, Route } from "../providers/types";
import type { AttemptRecord } from "../routing/attempts";
import type { KeyBudget } from "../billing/types";
import type { MarkupBps } from "../billing/price";
import type { CacheStatus } from "../shared/log-event";

/** What authentication establishes about the caller, for the rest of the request. */
export interface AuthContext {
  keyId: string;
  accountId: string;
  /** The tier in force: `accounts.tier`, free once `tierUntil` has passed. */
  tier: Tier;
  /** `accounts.tier_until` (ms): the limiter lets the lapse win over a tier it was told before it. */
  tierUntil: number | null;
  accountStatus: AccountStatus;
  /** The operator's reason for the status (AUP enforcement), shown in the warning header. */
  statusReason: string | null;
  /** When this view of the key and account was read from D1 (ms): the limiter corrects a view older than a change it was told of. */
  authAsOf: number;
  scopes: readonly KeyScope[];
  allowedModels: readonly string[] | null;
  limits: { rpm: number | null; tpm: number | null; concurrency: number | null };
  nonEuConsent: boolean;
  /** The key may use EU-hosted routes only. */
  euOnly: boolean;
  /** The account restricted processing: its log events leave out what is not essential (IP, user agent). */
  restricted: boolean;
  /** When the key was created (ms): keys older than 90 days are due for rotation. */
  keyCreatedAt: number;
  /** The key's spend budget (api_keys.budget_*), enforced by the account's limiter; null: none. */
  budget: KeyBudget | null;
  /** The account's response-cache salt (accounts.cache_salt); null: its requests bypass the cache. */
  cacheSalt: string | null;
  /** The key's default cache TTL in seconds (api_keys.cache_ttl), used when a request sends no x-emby-cache-ttl; null: none. */
  cacheTtlDefault: number | null;
}

/** Which error body shape a route speaks: OpenAI's, or Anthropic's on /v1/messages. */
export type ErrorShape = "openai" | "anthropic";

export type { AttemptRecord };

/**
 * A model call's record, for the request's log event (middleware/
 * request-log.ts), handed over once by src/router/call.ts: the model that
 * answered (else the one requested or tried last), the route that answered
 * (or, for a call billed without an answer, the one that was sent the
 * prompt), every attempt, and the outcome that settles when the response
 * body has ended.
 */
export interface CallRecord {
  model: ModelEntry;
  route: Route | null;
  attempts: readonly AttemptRecord[];
  streamed: boolean;
  /** The price markup the call is charged at (PRICE_MARKUP_PERCENT when it was admitted). */
  markupBps: MarkupBps;
  outcome?: Promise<CallOutcome>;
  /** What the response cache did (the `x-emby-cache` header); absent: the endpoint has no cache (logged as null). */
  cache?: CacheStatus;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    auth: AuthContext;
    errorShape: ErrorShape;
    /** Set once by src/router/call.ts when a model call is decided (see CallRecord). */
    call?: CallRecord;
    /** Set by the erasure on request: this request's log event must not name the account it erased. */
    erasedCaller?: boolean;
    /** Set by onError: the code of the error this request was answered with. */
    errorCode?: string;
  };
}
