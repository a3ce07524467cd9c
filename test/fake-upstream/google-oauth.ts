/**
 * Google's OAuth token endpoint, played by the fake. TODO(helper: google auth):
 * a test service account made at start, JWT bearer grant verified against its
 * public key, tokens issued and checked on Vertex paths.
 */
/** Whether an Authorization header carries a token this fake issued (Vertex paths answer 401 otherwise). */
export function validAccessToken(authorization: string | string[] | undefined): boolean {
  return typeof authorization === "string" && authorization.startsWith("Bearer ");
}
