import { Hono } from "hono";
import { errors } from "../shared/errors";
import type { AppEnv } from "./env";
import { requestId } from "./middleware/request-id";
import { onError } from "./on-error";
import { accountRoutes } from "./routes/account";
import { adminRoutes } from "./routes/admin";
import { chatCompletionsRoutes } from "./routes/chat-completions";
import { modelsRoutes } from "./routes/models";

export const app = new Hono<AppEnv>()
  .use(requestId())
  .use(async (c, next) => {
    c.set("errorShape", "openai");
    await next();
  })
  .route("/v1/chat/completions", chatCompletionsRoutes)
  .route("/v1/models", modelsRoutes)
  .route("/v1/account", accountRoutes)
  .route("/admin/v1", adminRoutes)
  .notFound((c) => onError(errors.notFound(`No route for ${c.req.method} ${c.req.path}.`, "route_not_found"), c))
  .onError(onError);
