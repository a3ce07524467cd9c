/**
 * How long a router isolate may trust what it read about a key and its account
 * (its auth cache). Shared because the account's limiter keeps each access
 * change it is told for as long as a view older than the change can live.
 */
export const AUTH_CACHE_TTL_MS = 30_000;
