/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { ConsoleAppEnv } from "../env";
import { page } from "../pages/layout";

// Placeholder: replaced by the page's real implementation.
export const modelsPages = new Hono<ConsoleAppEnv>().get("/", (c) => page(c, { title: "Models", active: "/models" }, <p>Coming soon.</p>));
