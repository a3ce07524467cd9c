/** Console worker entry (src/console/wrangler.toml). */
import { consoleApp } from "./app";

export default {
  fetch: consoleApp.fetch,
} satisfies ExportedHandler<ConsoleEnv>;
