/**
 * The floor: the least a worker can do in front of the upstream — pass the
 * request through with one fetch. It runs in the same runtime, built and
 * launched the same way as the router, so the router's overhead is the gap
 * between the two.
 */
interface FloorEnv {
  /** Origin of the fake upstream, e.g. http://127.0.0.1:8790 */
  UPSTREAM_ORIGIN: string;
}

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM_ORIGIN + url.pathname + url.search, request);
  },
} satisfies ExportedHandler<FloorEnv>;
