import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { ServerProcess } from "../e2e/harness.ts";
import {
  type ChartInk,
  chartInk,
  type DashboardPage,
  describeBrowserTargets,
  figure,
  launch,
  openDashboard,
  screenshotPath,
  waitUntil,
} from "./browser.ts";
import { startTraffic } from "./traffic.ts";

const CONNECTIONS = 8;

describeBrowserTargets("the dashboard shows the server live, in chromium", (t) => {
  let server: ServerProcess;
  let browser: Browser;
  let dash: DashboardPage;
  beforeAll(async () => {
    server = await ServerProcess.start(t);
    browser = await launch();
    dash = await openDashboard(browser, server);
  });
  afterAll(async () => {
    await browser?.close();
    expect(await server.stop()).toBe(0);
  });

  test("loads with the server's facts, no console error and no failed request", async () => {
    const { page, problems } = dash;
    expect(await figure(page, "backend")).toBe(server.ready.backend);
    expect(await figure(page, "workers")).toBe("2");
    expect(await figure(page, "protocols")).toBe("TCP");
    expect(await figure(page, "version")).toMatch(/^v\d+\.\d+\.\d+/);
    expect(await page.locator("#health").getAttribute("data-state")).toBe("ok");
    expect(await page.locator("#threads tr").count()).toBe(2);
    expect(problems).toEqual([]);
  });

  test("connection count and throughput follow the traffic within 3 s, and the charts draw", async () => {
    const { page, problems } = dash;
    expect(await figure(page, "conn-active")).toBe("0");
    // The connections chart must hold an idle point (a line at 0) before the traffic, or its first points are
    // all at 8: a level line 2-3 s long on a 5-minute axis, a few pixels, which no test can tell from nothing.
    let before = await chartInk(page);
    for (
      const deadline = Date.now() + 5000;
      before[0]!.ink === 0 && Date.now() < deadline;
      before = await chartInk(page)
    ) {
      await Bun.sleep(100);
    }
    expect(before[0]!.ink).toBeGreaterThan(0);
    const traffic = await startTraffic(server.echoPort, CONNECTIONS);
    try {
      await waitUntil(page, `document.querySelector("#conn-active").textContent === "${CONNECTIONS}"`, 3000);
      await waitUntil(page, `!/^0 B\\/s$|^–$/.test(document.querySelector("#rate-in").textContent)`, 3000);
      expect(await figure(page, "rate-out")).not.toMatch(/^0 B\/s$/);
      // Each chart has lines, and they moved since before the traffic (the history may have drawn some).
      // uPlot draws on the next animation frame, so this is polled too.
      const drawn = (ink: ChartInk[]) =>
        ink.length === 3 && ink.every((c, i) => c.ink > 50 && c.checksum !== before[i]!.checksum);
      let ink = await chartInk(page);
      for (const deadline = Date.now() + 3000; !drawn(ink) && Date.now() < deadline; ink = await chartInk(page)) {
        await Bun.sleep(100);
      }
      expect({ before, ink, drawn: drawn(ink) }).toEqual({ before, ink, drawn: true });
      await page.screenshot({ path: screenshotPath(`dashboard-${t.name}.png`), fullPage: true });
    } finally {
      await traffic.stop();
    }
    await waitUntil(page, `document.querySelector("#conn-active").textContent === "0"`, 3000);
    expect(problems).toEqual([]);
  });

  test("a page opened after the traffic draws it at once, from the stream's history", async () => {
    const late = await openDashboard(browser, server);
    let ink = await chartInk(late.page);
    for (const deadline = Date.now() + 3000; !ink.every((c) => c.ink > 50) && Date.now() < deadline; ) {
      await Bun.sleep(100);
      ink = await chartInk(late.page);
    }
    expect(ink.map((c) => c.ink > 50)).toEqual([true, true, true]);
    await late.page.close();
    expect(late.problems).toEqual([]);
  });

  test("is readable on a small laptop screen: nothing wider than the window", async () => {
    const small = await openDashboard(browser, server, { width: 1280, height: 720 });
    const phone = await openDashboard(browser, server, { width: 420, height: 800 });
    for (const { page } of [small, phone]) {
      const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
      expect(overflow).toBe(0);
    }
    await phone.page.screenshot({ path: screenshotPath(`dashboard-narrow-${t.name}.png`), fullPage: true });
    await Promise.all([small.page.close(), phone.page.close()]);
    expect([...small.problems, ...phone.problems]).toEqual([]);
  });
});
