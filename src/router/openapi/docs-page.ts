/**
 * The /docs page: an HTML shell, one script and one stylesheet, all served by
 * the worker itself. No third-party CDN, font or script: the page is for an EU
 * privacy service, and a visitor's browser should contact nobody but us. The
 * script fetches /openapi.json and renders every operation with its
 * parameters, request body and responses; it builds the DOM with textContent
 * only, so nothing in the document is ever parsed as HTML.
 */

export const DOCS_SCRIPT_PATH = "/docs/docs.js";
export const DOCS_STYLE_PATH = "/docs/docs.css";

/** Same-origin only, nothing inline, no framing: the page needs no more. */
export const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Emby Router API</title>
<link rel="stylesheet" href="${DOCS_STYLE_PATH}">
<script src="${DOCS_SCRIPT_PATH}" defer></script>
</head>
<body>
<header><h1>Emby Router API</h1><p id="intro">Loading <a href="/openapi.json">/openapi.json</a>…</p></header>
<div id="layout"><nav id="nav"></nav><main id="operations"></main></div>
<noscript>This page renders <a href="/openapi.json">/openapi.json</a> with a script served by this site; without scripts, read the document itself.</noscript>
</body>
</html>
`;

export const DOCS_STYLE = `:root { color-scheme: light dark; --line: #8884; --muted: #888; --code: #8881; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; }
header { padding: 1rem 1.5rem; border-bottom: 1px solid var(--line); }
h1 { margin: 0 0 .25rem; font-size: 1.4rem; }
#layout { display: flex; align-items: flex-start; }
nav { position: sticky; top: 0; max-height: 100vh; overflow: auto; min-width: 16rem; padding: 1rem; border-right: 1px solid var(--line); font-size: 13px; }
nav h3 { margin: 1rem 0 .25rem; font-size: 13px; text-transform: uppercase; color: var(--muted); }
nav a { display: block; text-decoration: none; color: inherit; padding: 1px 0; }
main { flex: 1; padding: 1rem 1.5rem; min-width: 0; }
section.op { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: .75rem 1rem; }
.method { display: inline-block; min-width: 4.5rem; font: bold 12px monospace; text-transform: uppercase; }
.path { font-family: monospace; font-size: 14px; }
.get { color: #2a7; } .post { color: #27c; } .put, .patch { color: #c80; } .delete { color: #d33; }
h2.tag { margin: 1.5rem 0 .5rem; font-size: 1.15rem; }
h4 { margin: .75rem 0 .25rem; font-size: 13px; }
code, pre { font-family: ui-monospace, monospace; font-size: 12.5px; background: var(--code); border-radius: 3px; }
ul.schema { list-style: none; margin: 0; padding-left: 1rem; border-left: 1px solid var(--line); font-size: 13px; }
.type { color: var(--muted); font-family: monospace; }
.req { color: #d33; font-size: 11px; }
.desc { color: var(--muted); }
table { border-collapse: collapse; font-size: 13px; }
td, th { text-align: left; padding: 2px 8px 2px 0; vertical-align: top; }
`;

/** Plain browser JavaScript (no build step): keep it small and dependency-free. */
export const DOCS_SCRIPT = `"use strict";
(async () => {
  const res = await fetch("/openapi.json");
  const doc = await res.json();
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; };
  const deref = (s) => { let seen = 0; while (s && s.$ref && seen++ < 20) s = doc.components.schemas[s.$ref.split("/").pop()]; return s || {}; };
  const refName = (s) => (s && s.$ref ? s.$ref.split("/").pop() : null);
  const typeOf = (s0) => {
    const s = deref(s0);
    const name = refName(s0);
    let t = Array.isArray(s.type) ? s.type.join(" | ") : s.type || (s.anyOf || s.oneOf ? "one of" : s.const !== undefined ? "const" : "any");
    if (t === "array" && s.items) t = typeOf(s.items) + "[]";
    if (s.enum) t += " (" + s.enum.map((v) => JSON.stringify(v)).join(", ") + ")";
    if (s.const !== undefined) t = JSON.stringify(s.const);
    return name ? name + ": " + t : t;
  };
  /** A schema as a nested list; depth-limited because message schemas nest deeply. */
  const schemaList = (s0, depth) => {
    const s = deref(s0);
    const ul = el("ul", null, "schema");
    if (depth > 5) { ul.append(el("li", "…")); return ul; }
    const props = s.properties || (s.items && deref(s.items).properties ? deref(s.items).properties : null);
    const required = new Set(s.required || (s.items ? deref(s.items).required || [] : []));
    if (props) {
      for (const [name, p] of Object.entries(props)) {
        const li = el("li");
        li.append(el("code", name), " ", el("span", typeOf(p), "type"));
        if (required.has(name)) li.append(" ", el("span", "required", "req"));
        const d = deref(p).description || p.description;
        if (d) li.append(" ", el("span", d, "desc"));
        const inner = deref(p);
        if (inner.properties || inner.anyOf || inner.oneOf || (inner.items && (deref(inner.items).properties || deref(inner.items).anyOf))) li.append(schemaList(p, depth + 1));
        ul.append(li);
      }
    }
    for (const alt of s.anyOf || s.oneOf || []) {
      const li = el("li", null);
      li.append(el("span", "or " + typeOf(alt), "type"));
      const inner = deref(alt);
      if (inner.properties || inner.anyOf || inner.oneOf) li.append(schemaList(alt, depth + 1));
      ul.append(li);
    }
    return ul;
  };
  const content = (c) => {
    const frag = document.createDocumentFragment();
    for (const [type, media] of Object.entries(c || {})) {
      frag.append(el("div", type, "type"));
      if (media.schema) frag.append(schemaList(media.schema, 0));
    }
    return frag;
  };
  document.title = doc.info.title;
  const intro = document.getElementById("intro");
  intro.textContent = doc.info.description || "";
  const nav = document.getElementById("nav");
  const main = document.getElementById("operations");
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "Other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  for (const [tag, ops] of byTag) {
    nav.append(el("h3", tag));
    main.append(el("h2", tag, "tag"));
    for (const { path, method, op } of ops) {
      const id = (method + path).replace(/[^A-Za-z0-9]+/g, "-");
      const link = el("a"); link.href = "#" + id;
      link.append(el("span", method, "method " + method), el("span", path, "path"));
      nav.append(link);
      const sec = el("section", null, "op"); sec.id = id;
      sec.append(el("span", method, "method " + method), el("span", path, "path"));
      if (op.summary) sec.append(el("p", op.summary));
      if (op.description) sec.append(el("p", op.description, "desc"));
      const security = op.security || doc.security || [];
      sec.append(el("h4", "Authentication"), el("div", security.length ? security.map((r) => Object.keys(r).join(" + ") || "none").join(" or ") : "none"));
      if (op.parameters && op.parameters.length) {
        sec.append(el("h4", "Parameters"));
        const table = el("table");
        for (const p of op.parameters) {
          const tr = el("tr");
          tr.append(el("td", p.name), el("td", p.in, "type"), el("td", typeOf(p.schema) + (p.required ? " (required)" : ""), "type"), el("td", p.description || (p.schema && p.schema.description) || "", "desc"));
          table.append(tr);
        }
        sec.append(table);
      }
      if (op.requestBody) { sec.append(el("h4", "Request body")); sec.append(content(op.requestBody.content)); }
      sec.append(el("h4", "Responses"));
      for (const [status, r] of Object.entries(op.responses || {})) {
        const div = el("div");
        div.append(el("code", status), " ", el("span", r.description || "", "desc"));
        div.append(content(r.content));
        sec.append(div);
      }
      main.append(sec);
    }
  }
})().catch((err) => { document.getElementById("intro").textContent = "Could not load /openapi.json: " + err; });
`;
