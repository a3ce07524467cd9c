/** Local development only: gives the console its own port (see wrangler.toml here). */
export default {
  fetch: (request: Request, env: { CONSOLE: Fetcher }) => env.CONSOLE.fetch(request),
};
