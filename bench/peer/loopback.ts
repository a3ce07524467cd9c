/**
 * Preloaded into the Portkey gateway (`node --import`): it has no host option
 * and would listen on every interface, so listen() calls without a host are
 * pinned to loopback. Nothing else is changed.
 */
import { Server } from "node:net";

const LOOPBACK = "127.0.0.1";
const listen = Server.prototype.listen;

Server.prototype.listen = function (this: Server, ...args: unknown[]) {
  if (typeof args[0] === "number" || typeof args[0] === "string") {
    // listen(port, host?, backlog?, cb?): @hono/node-server passes host as undefined.
    if (args[1] === undefined || args[1] === null) args[1] = LOOPBACK;
    else if (typeof args[1] !== "string") args.splice(1, 0, LOOPBACK);
  } else if (args[0] && typeof args[0] === "object" && !("host" in args[0]) && !("path" in args[0])) {
    args[0] = { ...args[0], host: LOOPBACK };
  }
  return listen.apply(this, args as Parameters<typeof listen>);
} as typeof listen;
