/**
 * Where to send someone after a form (`next`): a path on the console
 * itself, or null. Never an absolute or protocol-relative URL, which would
 * make the console an open redirect.
 */
const PLACEHOLDER_ORIGIN = "https://console.invalid";

export function safeNext(value: unknown): string | null {
  if (typeof value !== "string" || value.length === 0 || value.length > 500) return null;
  // "//host" and "/\host" leave the origin; browsers drop tabs and newlines
  // inside URLs, so "/\t/host" becomes "//host" too.
  if (!value.startsWith("/") || value.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const url = new URL(value, PLACEHOLDER_ORIGIN);
  return url.origin === PLACEHOLDER_ORIGIN ? url.pathname + url.search : null;
}
