import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { connect } from "../e2e/clients.ts";
import { ServerProcess } from "../e2e/harness.ts";
import { describeBrowserTargets, launch, openDashboard, waitUntil } from "./browser.ts";

const TOKEN = "dashboard-test-token";
const statusIs = (state: string) => `document.querySelector("#shutdown-status").dataset.state === "${state}"`;

describeBrowserTargets("the dashboard's shutdown button asks for the admin token and shows the drain", (t) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("a wrong token shows the 401 and the server runs on; the right one shows the drain, then the stop", async () => {
    const server = await ServerProcess.start(t, ["--admin-token", TOKEN, "--drain-timeout", "20000"]);
    const { page } = await openDashboard(browser, server);
    await page.click("#shutdown-open");
    expect(await page.locator("#shutdown-token").isVisible()).toBe(true);

    await page.fill("#shutdown-token", "not-the-token");
    await page.click("#shutdown-confirm");
    await waitUntil(page, statusIs("error"), 5000);
    expect(await page.locator("#shutdown-status").textContent()).toStartWith("401: POST /shutdown needs");
    expect(server.proc.exitCode).toBeNull();
    expect((await server.admin("/healthz")).status).toBe(200);

    // An open connection holds the drain, so the page can show it.
    const client = await connect(server.echoPort);
    await waitUntil(page, `document.querySelector("#conn-active").textContent === "1"`, 5000);
    await page.fill("#shutdown-token", TOKEN);
    await page.click("#shutdown-confirm");
    await waitUntil(
      page,
      `/^Draining: 1 connections/.test(document.querySelector("#shutdown-status").textContent)`,
      5000,
    );
    expect(await page.locator("#health").textContent()).toBe("unhealthy: shutting down");
    expect(server.proc.exitCode).toBeNull();

    client.end();
    await waitUntil(page, statusIs("stopped"), 10_000);
    expect(await page.locator("#shutdown-status").textContent()).toBe("Server stopped.");
    expect(await server.exit()).toBe(0);
    await page.close();
  });
});
