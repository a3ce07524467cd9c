/** Logger worker entry: the log queue consumer and the retention cron (src/logger/wrangler.toml). */
import { consumeLogBatch } from "./consumer";
import { enforceRetention } from "./retention";

export default {
  async queue(batch, env) {
    await consumeLogBatch(batch, env);
  },
  async scheduled(controller, env) {
    const report = await enforceRetention(env, controller.scheduledTime);
    // Failing the invocation makes a broken rule visible in the cron's status.
    if (report.failed.length > 0) throw new Error(`retention rules failed: ${report.failed.join(", ")}`);
  },
} satisfies ExportedHandler<LoggerEnv, unknown>;
