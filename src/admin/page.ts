/**
 * GET /: the dashboard, one self-contained page. Its parts are bundled into
 * the program as text at build time (uPlot from node_modules included), so the
 * compiled binary serves it with nothing fetched from anywhere else: the
 * boxes it runs on are often offline.
 *
 * Scripts and styles are inline and allowed by their hashes, so the
 * Content-Security-Policy can refuse everything else: no other script, no
 * inline event handler, no frame, no form target, connections to this origin
 * only (for /events and /shutdown).
 */
import { createHash } from "node:crypto";
import uplotStyle from "uplot/dist/uPlot.min.css" with { type: "text" };
import uplotScript from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import client from "./page/dashboard.client.js" with { type: "text" };
import format from "./page/dashboard.format.js" with { type: "text" };
import style from "./page/dashboard.css" with { type: "text" };
import template from "./page/dashboard.html" with { type: "text" };

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

/** Puts `content` where the template's marker comment stands, inside a bare tag. */
function inline(html: string, tag: "style" | "script", marker: string, content: string): string {
  const pattern = new RegExp(`<${tag}>\\s*/\\*${marker}\\*/\\s*</${tag}>`);
  if (!pattern.test(html)) throw new Error(`dashboard.html has no <${tag}> holding /*${marker}*/`);
  // A function, not a string: "$&" and friends in the content stay as written.
  return html.replace(pattern, () => `<${tag}>${content}</${tag}>`);
}

/** The formats first: the client reads them from window.dashboardFormat. */
const script = `${format}\n${client}`;

function build() {
  const css = `${uplotStyle}\n${style}`;
  // A text import of a .html file is typed as an HTML bundle; here it is the file's text.
  let html = String(template);
  html = inline(html, "style", "STYLE", css);
  html = inline(html, "script", "UPLOT", uplotScript);
  html = inline(html, "script", "SCRIPT", script);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(uplotScript)} ${sha256(script)}`,
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}

export const DASHBOARD = build();

/** Headers every answer of GET / carries, HTML or JSON. */
export const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": DASHBOARD.csp,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  vary: "accept",
};

/** A script asking for JSON gets the endpoint index; a browser (text/html, or anything) the page. */
export function wantsJson(accept: string | undefined): boolean {
  const a = (accept ?? "").toLowerCase();
  return a.includes("application/json") && !a.includes("text/html");
}
