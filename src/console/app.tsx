/** @jsxImportSource hono/jsx */
/** The console's Hono app: security headers, session, CSRF, then the pages. */
import { Hono } from "hono";
import type { ConsoleAppEnv } from "./env";
import { analytics } from "./middleware/analytics";
import { csrf } from "./middleware/csrf";
import { preferences } from "./middleware/preferences";
import { securityHeaders } from "./middleware/security-headers";
import { requireSession, session } from "./middleware/session";
import { onConsoleError } from "./on-error";
import { page } from "./pages/layout";
import { authPages } from "./routes/auth";
import { billingPages } from "./routes/billing";
import { confirmEmailPages } from "./routes/confirm-email";
import { devRoutes } from "./routes/dev";
import { keysPages } from "./routes/keys";
import { logsPages } from "./routes/logs";
import { modelsPages } from "./routes/models";
import { overviewPages } from "./routes/overview";
import { passkeySecurityRoutes, passkeySignInRoutes } from "./routes/passkeys";
import { privacyPages } from "./routes/privacy";
import { securityPages } from "./routes/security";

const signedIn = new Hono<ConsoleAppEnv>()
  .use(requireSession())
  .route("/keys", keysPages)
  .route("/billing", billingPages)
  .route("/logs", logsPages)
  .route("/models", modelsPages)
  .route("/privacy", privacyPages)
  .route("/security/passkeys", passkeySecurityRoutes)
  .route("/security", securityPages)
  .route("/", overviewPages);

export const consoleApp = new Hono<ConsoleAppEnv>()
  .use(securityHeaders())
  .route("/dev", devRoutes)
  .use(preferences())
  .use(session())
  .use(analytics())
  .use(csrf())
  // Sign-up, sign-in (by link or passkey), the link, sign-out and the cookie banner's answer.
  .route("/", authPages)
  .route("/auth/confirm-email", confirmEmailPages)
  .route("/sign-in/passkey", passkeySignInRoutes)
  .route("/", signedIn)
  .notFound((c) => page(c, { title: "Page not found", status: 404 }, <p>There is no such page. <a href="/">Go to the overview</a>.</p>))
  .onError(onConsoleError);
