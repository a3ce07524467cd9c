/**
 * Operations this document describes before the app serves them: routes
 * being written alongside it, registered from what the product contract says
 * they will be, with placeholder schemas (components.ts, placeholderBody).
 * test/openapi.test.ts allows a documented operation the app does not serve
 * only when it is listed here, and fails once a listed one is served: then
 * import the route's exported schemas in its paths file and drop it from here.
 */
export const PENDING_ROUTES: readonly string[] = [
  "GET /v1/account",
  "PATCH /v1/account",
  "DELETE /v1/account",
  "GET /v1/account/export",
  "PUT /v1/account/restriction",
  "GET /v1/account/communication",
  "PUT /v1/account/communication",
  "GET /v1/audit-log",
  "GET /v1/keys",
  "POST /v1/keys",
  "GET /v1/keys/{id}",
  "PATCH /v1/keys/{id}",
  "DELETE /v1/keys/{id}",
  "POST /v1/keys/{id}/rotate",
  "GET /v1/privacy",
  "POST /v1/secret-scanning",
  "POST /admin/v1/erasures/reapply",
];
