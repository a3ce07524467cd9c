/**
 * Where credentials may travel, for both the customer and the operator API:
 * only in headers. A credential in the URL is refused before anything else
 * looks at the request, even if it is valid, because URLs are copied into
 * logs, proxies and browser histories that headers never reach.
 */
import { errors } from "../../shared/errors";

/** Query parameter names (compared lower-cased) that carry a credential in some other API. */
const QUERY_CREDENTIAL_NAMES = new Set(["api_key", "apikey", "api-key", "x-api-key", "key", "access_token", "token"]);

/** 401 api_key_in_query when the URL's query string names a credential. */
export function rejectQueryCredentials(url: string): void {
  const start = url.indexOf("?");
  if (start < 0) return;
  for (const name of new URLSearchParams(url.slice(start + 1)).keys()) {
    if (QUERY_CREDENTIAL_NAMES.has(name.toLowerCase())) {
      throw errors.unauthorized(
        `Credentials are not accepted in the URL ('${name.toLowerCase()}' query parameter). Send the key in a header, 'Authorization: Bearer <key>' (or 'x-api-key: <key>'), and replace this key: a URL ends up in logs.`,
        "api_key_in_query",
      );
    }
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header; null when the header
 * names Bearer but carries no token. Any other scheme (Basic, Token, a bare key)
 * is a 401 that says which one to use, rather than "missing key".
 */
export function bearerToken(header: string): string | null {
  const match = /^(\S+)(?:\s+(.*))?$/.exec(header.trim());
  if (!match || match[1]!.toLowerCase() !== "bearer") {
    throw errors.unauthorized("Unsupported authorization scheme: send the key as 'Authorization: Bearer <key>'.", "invalid_authorization_scheme");
  }
  const token = match[2]?.trim() ?? "";
  if (token === "") return null;
  if (/\s/.test(token)) throw errors.unauthorized("Malformed Authorization header: send 'Authorization: Bearer <key>' with the key alone.", "invalid_api_key");
  return token;
}
