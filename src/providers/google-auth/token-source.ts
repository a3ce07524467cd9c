/**
 * Google OAuth access tokens from a service account key (VERTEX_SERVICE_ACCOUNT).
 * TODO(helper: google auth): JWT signed with jose, exchanged at GOOGLE_TOKEN_URL,
 * cached per isolate until shortly before expiry, one refresh in flight.
 */
export function googleAccessTokenSource(_env: Env): (() => Promise<string>) | null {
  return null;
}
