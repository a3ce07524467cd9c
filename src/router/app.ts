import { Hono } from "hono";
import type { AppEnv } from "./env";
import { unroutedError } from "./method-not-allowed";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { onError } from "./on-error";
import { openApiRoutes } from "./openapi/routes";
import { accountRoutes } from "./routes/account";
import { adminRoutes } from "./routes/admin";
import { auditLogRoutes } from "./routes/audit-log";
import { billingRoutes } from "./routes/billing";
import { cacheRoutes } from "./routes/cache";
import { chatCompletionsRoutes } from "./routes/chat-completions";
import { creditsRoutes } from "./routes/credits";
import { embeddingsRoutes } from "./routes/embeddings";
import { generationRoutes } from "./routes/generation";
import { healthRoutes } from "./routes/health";
import { keysRoutes } from "./routes/keys";
import { creditsNoticeRoutes } from "./routes/credits-notice";
import { messagesRoutes } from "./routes/messages";
import { modelsRoutes } from "./routes/models";
import { privacyRoutes } from "./routes/privacy";
import { responsesRoutes } from "./routes/responses";
import { secretScanningRoutes } from "./routes/secret-scanning";
import { usageRoutes } from "./routes/usage";

export const app = new Hono<AppEnv>()
  .use(requestId())
  .route("/health", healthRoutes)
  .route("/", openApiRoutes)
  // Right after the id: every request, whatever answers it, yields one log event.
  .use(requestLog())
  .use(async (c, next) => {
    c.set("errorShape", "openai");
    await next();
  })
  .route("/v1/chat/completions", chatCompletionsRoutes)
  .route("/v1/messages", messagesRoutes)
  .route("/v1/responses", responsesRoutes)
  .route("/v1/embeddings", embeddingsRoutes)
  .route("/v1/models", modelsRoutes)
  .route("/v1/generation", generationRoutes)
  .route("/v1/usage", usageRoutes)
  .route("/v1/credits", creditsRoutes)
  .route("/v1/account", accountRoutes)
  .route("/v1/keys", keysRoutes)
  .route("/v1/cache", cacheRoutes)
  .route("/v1/credits/notice", creditsNoticeRoutes)
  .route("/v1/audit-log", auditLogRoutes)
  .route("/v1/billing", billingRoutes)
  .route("/v1/privacy", privacyRoutes)
  .route("/v1/secret-scanning", secretScanningRoutes)
  .route("/admin/v1", adminRoutes)
  // A known path with another method is a 405 with Allow; an unknown path a 404.
  .notFound((c): Response => onError(unroutedError(app.routes, c.req.method, c.req.path), c))
  .onError(onError);
