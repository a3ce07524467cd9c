/**
 * The preferences cookie (`__Host-emby_prefs`): the visitor's answer to the
 * cookie banner. Essential cookies (session) need no consent; analytics stays
 * off until the visitor says yes.
 */
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { ConsoleAppEnv, Preferences } from "../env";

export const PREFERENCES_COOKIE = "emby_prefs";

export function parsePreferences(value: string | undefined): Preferences {
  if (value === "analytics=1") return { analytics: true };
  if (value === "analytics=0") return { analytics: false };
  return { analytics: null };
}

export function preferences(): MiddlewareHandler<ConsoleAppEnv> {
  return async (c, next) => {
    c.set("preferences", parsePreferences(getCookie(c, PREFERENCES_COOKIE, "host")));
    await next();
  };
}
