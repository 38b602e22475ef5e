/**
 * Drives Debian's chromium through playwright-core against the real server
 * process, on the Linux targets (the .exe under Wine is covered without a
 * browser by tests/e2e/dashboard-answers-from-every-target.test.ts).
 */
import { describe, test } from "bun:test";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { ROOT, TARGETS, type ServerProcess, type Target } from "../e2e/harness.ts";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots for a person to look at; ignored by git. */
export const OUT = join(ROOT, "tests/out");

/**
 * One describe block per Linux target. Without chromium the block is a
 * visible skip naming the reason (tests/browser/setup.sh installs it).
 */
export function describeBrowserTargets(title: string, body: (t: Target) => void): void {
  for (const t of TARGETS) {
    if (t.name === "wine") continue;
    if (!existsSync(CHROMIUM)) {
      test.skip(`${title} [${t.name}]: no chromium at ${CHROMIUM} (run tests/browser/setup.sh)`, () => {});
      continue;
    }
    describe(`${title} [${t.name}]`, () => body(t));
  }
}

export function launch(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}

export interface DashboardPage {
  page: Page;
  /** Console errors and failed or refused requests, as they happened. */
  problems: string[];
}

/** Opens the dashboard and waits for its first live sample. */
export async function openDashboard(
  browser: Browser,
  server: ServerProcess,
  viewport = { width: 1440, height: 1000 },
): Promise<DashboardPage> {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(`${server.adminUrl}/`);
  await waitUntil(page, `document.querySelector("#stream")?.textContent?.startsWith("live")`, 10_000);
  return { page, problems };
}

/**
 * Polls a page-side expression until it is true. Not page.waitForFunction:
 * that evaluates its predicate with eval() inside the page, which the
 * dashboard's CSP forbids (as it should).
 */
export async function waitUntil(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms: ${expression}`);
    await Bun.sleep(50);
  }
}

/** A figure on the page, by element id. */
export const figure = (page: Page, id: string) => page.locator(`#${id}`).textContent();

// Page-side code is passed as text: the tests are typed without the DOM library.
// Grid and axes are drawn on the same canvas, so only pixels in a series colour count.
const INK = `(() => {
  const css = getComputedStyle(document.documentElement);
  const colours = ["--in", "--out", "--ops"].map((name) => {
    const hex = css.getPropertyValue(name).trim().slice(1);
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  });
  return [...document.querySelectorAll(".chart canvas")].map((canvas) => {
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    let checksum = 0;
    for (let i = 0; i < data.length; i += 4) {
      const near = colours.some((c) => c.every((v, k) => Math.abs(v - data[i + k]) <= 30));
      if (data[i + 3] > 200 && near) {
        ink++;
        checksum = (checksum * 31 + i) >>> 0;
      }
    }
    return { ink, checksum };
  });
})()`;

export interface ChartInk {
  /** Pixels drawn in a series colour (the chart's lines, not its grid). */
  ink: number;
  /** Where they are, folded into one number: it changes when the lines move. */
  checksum: number;
}

/** Each chart's lines, as pixel counts and positions. */
export function chartInk(page: Page): Promise<ChartInk[]> {
  return page.evaluate(INK);
}

export function screenshotPath(name: string): string {
  mkdirSync(OUT, { recursive: true });
  return join(OUT, name);
}
