/** @jsxImportSource hono/jsx */
import { Hono } from "hono";
import type { ConsoleAppEnv } from "../env";
import { page } from "../pages/layout";

// Placeholder: replaced by the page's real implementation.
export const authPages = new Hono<ConsoleAppEnv>().get("/sign-in", (c) => page(c, { title: "Sign in" }, <p>Coming soon.</p>));
