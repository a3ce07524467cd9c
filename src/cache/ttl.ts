/**
 * The opt-in: `x-emby-cache-ttl: <seconds>` (the contract's header). Whole
 * seconds, 1 to 86400 (CACHE_TTL_MS); a larger value is clamped to 86400 and
 * the response says so (CACHE_TTL_CLAMPED_HEADER). Absent or 0: the request
 * is not cached (`x-emby-cache: bypass`). Anything else is a 400 naming the
 * header: a typo must not silently turn the cache off.
 */
import { errors } from "../shared/errors";
import { CACHE_TTL_MS } from "../shared/retention";

export const CACHE_TTL_HEADER = "x-emby-cache-ttl";
/** Sent with the TTL actually used when the requested one was clamped. */
export const CACHE_TTL_CLAMPED_HEADER = "x-emby-cache-ttl-clamped";
export const CACHE_MAX_TTL_S = CACHE_TTL_MS / 1000;

/** No caching, or caching for `seconds` (clamped: the request asked for more). */
export type CacheTtl = { seconds: 0 } | { seconds: number; clamped: boolean };

/** Parses the header's value (null: absent). Throws a 400 `invalid_cache_ttl` for a value that is not whole seconds. */
export function parseCacheTtl(value: string | null): CacheTtl {
  if (value === null) return { seconds: 0 };
  const text = value.trim();
  if (!/^[0-9]+$/.test(text)) {
    throw errors.invalidRequest(
      `The header '${CACHE_TTL_HEADER}' must be a whole number of seconds from 0 (no caching) to ${CACHE_MAX_TTL_S} (24 hours); got '${value.slice(0, 40)}'.`,
      CACHE_TTL_HEADER,
      "invalid_cache_ttl",
    );
  }
  const seconds = Number(text);
  if (seconds === 0) return { seconds: 0 };
  return seconds > CACHE_MAX_TTL_S ? { seconds: CACHE_MAX_TTL_S, clamped: true } : { seconds, clamped: false };
}
