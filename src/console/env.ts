/** The console's Hono environment: its bindings and what middleware puts on the context. */
import type { AccountLimiter } from "../limits/limiter";
import type { LimiterEnv } from "../limits/client";

/** The signed-in person's session (middleware/session.ts). */
export interface SessionInfo {
  /** SHA-256 of the cookie's id: the row's key. */
  idHash: string;
  accountId: string;
  /** The per-session CSRF token every state-changing form and request carries. */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

/** Choices kept in the preferences cookie (middleware/preferences.ts). */
export interface Preferences {
  /** null: the visitor has not answered the cookie banner yet. */
  analytics: boolean | null;
}

export interface ConsoleAppEnv {
  Bindings: ConsoleEnv;
  Variables: {
    /** Set on every page once the session middleware ran; null when signed out. */
    session: SessionInfo | null;
    preferences: Preferences;
  };
}

/**
 * The router's limiter, bound by script name: `wrangler types` cannot know
 * its class, so it is typed here, once.
 */
export function limiterEnv(env: ConsoleEnv): LimiterEnv {
  return { LIMITER: env.LIMITER as DurableObjectNamespace<AccountLimiter>, DURABLE_OBJECT_JURISDICTION: env.DURABLE_OBJECT_JURISDICTION };
}

/**
 * The console's origin: CONSOLE_ORIGIN, or (local development, where it is
 * empty) the origin the request came to.
 */
export function consoleOrigin(env: ConsoleEnv, requestUrl: string): string {
  return env.CONSOLE_ORIGIN || new URL(requestUrl).origin;
}
