import { Hono } from "hono";
import type { AppEnv } from "../env";

/** STUB (lead): filled by the helper that owns this area. */
export const embeddingsRoutes = new Hono<AppEnv>();
