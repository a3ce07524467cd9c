import type { KeyScope, Tier, AccountStatus } from "../db/schema";

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

/** Which error body shape a route speaks (CONTRACT.md, "Every response"). */
export type ErrorShape = "openai" | "anthropic";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    auth: AuthContext;
    errorShape: ErrorShape;
    /** x-ratelimit-* headers of the limiter's decision, put on the response whatever it is. */
    rateLimitHeaders: Record<string, string>;
  };
}
