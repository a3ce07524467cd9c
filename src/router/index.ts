/** Router worker entry. */
import { app } from "./app";

export { AccountLimiter } from "../limits/limiter";
export { RouteHealth } from "../routing/health-do";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
