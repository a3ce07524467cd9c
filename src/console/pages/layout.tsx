/** @jsxImportSource hono/jsx */
/**
 * The page shell: skip link, navigation, the cookie banner until answered,
 * and the page's own content. Server-rendered HTML that works without
 * JavaScript. A page's own scripts (`scripts`: /assets/copy.js for copy
 * buttons, /assets/charts.js for charts) only enhance it.
 */
import type { Context } from "hono";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { ConsoleAppEnv } from "../env";
import { CSRF_FIELD } from "../middleware/csrf";

export const NAV = [
  { href: "/", label: "Overview" },
  { href: "/keys", label: "API keys" },
  { href: "/logs", label: "Request logs" },
  { href: "/models", label: "Models" },
  { href: "/billing", label: "Billing" },
  { href: "/privacy", label: "Privacy and data" },
  { href: "/security", label: "Security" },
] as const;

export type NavHref = (typeof NAV)[number]["href"];

/** The hidden CSRF field every signed-in form carries (middleware/csrf.ts). */
export function CsrfField({ c }: { c: Context<ConsoleAppEnv> }) {
  const session = c.get("session") ?? null;
  return session ? <input type="hidden" name={CSRF_FIELD} value={session.csrfToken} /> : null;
}

function CookieBanner({ c }: { c: Context<ConsoleAppEnv> }) {
  // Unset on a response made before the preferences middleware ran: show the banner.
  const answered = c.get("preferences")?.analytics ?? null;
  if (answered !== null) return null;
  const back = new URL(c.req.url);
  return (
    <section class="cookie-banner" aria-labelledby="cookie-banner-title">
      <h2 id="cookie-banner-title">Cookies</h2>
      <p>
        The console uses essential cookies only: one to keep you signed in and one to remember this choice. With your
        permission it also counts page views (per day and page, with no identifier), to learn which pages people use.
      </p>
      <form method="post" action="/preferences">
        <CsrfField c={c} />
        <input type="hidden" name="next" value={back.pathname + back.search} />
        <button type="submit" name="analytics" value="0">
          Essential cookies only
        </button>
        <button type="submit" name="analytics" value="1">
          Allow analytics
        </button>
      </form>
    </section>
  );
}

/** The error statuses a page may carry (on-error.tsx passes an ApiError's own through). */
export const ERROR_PAGE_STATUSES = [400, 401, 403, 404, 409, 410, 413, 415, 422, 429, 500, 502, 503, 504] as const;
export type ErrorPageStatus = (typeof ERROR_PAGE_STATUSES)[number];

export interface PageOptions {
  title: string;
  /** The navigation entry to mark as current; none on signed-out pages. */
  active?: NavHref;
  status?: 200 | ErrorPageStatus;
  /** Extra scripts of this page, from /assets (e.g. "/assets/charts.js"): enhancements only. */
  scripts?: readonly string[];
  /** Extra stylesheets of this page, from /assets. */
  styles?: readonly string[];
}

/** Renders a full page. */
export function page(c: Context<ConsoleAppEnv>, options: PageOptions, body: Child): Response | Promise<Response> {
  // `?? null`: a page rendered before the session middleware ran is a signed-out page.
  const signedIn = (c.get("session") ?? null) !== null;
  return c.html(
    <>
      {raw("<!doctype html>")}
      <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <title>{`${options.title} · Emby Router console`}</title>
            <link rel="stylesheet" href="/assets/console.css" />
            {(options.styles ?? []).map((href) => (
              <link rel="stylesheet" href={href} />
            ))}
            {(options.scripts ?? []).map((src) => (
              <script src={src} defer></script>
            ))}
          </head>
          <body>
            <a class="skip-link" href="#main">
              Skip to content
            </a>
            <header class="top">
              <a class="brand" href="/">
                Emby Router
              </a>
              {signedIn ? (
                <nav aria-label="Console">
                  <ul>
                    {NAV.map((item) => (
                      <li>
                        <a href={item.href} aria-current={item.href === options.active ? "page" : undefined}>
                          {item.label}
                        </a>
                      </li>
                    ))}
                  </ul>
                </nav>
              ) : null}
              {signedIn ? (
                <form method="post" action="/sign-out" class="sign-out">
                  <CsrfField c={c} />
                  <button type="submit">Sign out</button>
                </form>
              ) : null}
            </header>
            <main id="main" tabindex={-1}>
              <h1>{options.title}</h1>
              {body}
            </main>
            <CookieBanner c={c} />
          </body>
      </html>
    </>,
    options.status ?? 200,
  );
}
