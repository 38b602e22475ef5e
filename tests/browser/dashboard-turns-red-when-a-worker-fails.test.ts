import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { FAULT_VARIABLE } from "../../src/fault.ts";
import { connect } from "../e2e/clients.ts";
import { ServerProcess } from "../e2e/harness.ts";
import { describeBrowserTargets, launch, openDashboard, waitUntil } from "./browser.ts";

describeBrowserTargets("the dashboard's health badge turns red when a worker fails", (t) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("green while healthy, red with the reason once a worker has thrown", async () => {
    const server = await ServerProcess.start(t, [], { [FAULT_VARIABLE]: "worker-throws" });
    const { page } = await openDashboard(browser, server);
    const health = page.locator("#health");
    expect(await health.getAttribute("data-state")).toBe("ok");
    expect(await health.textContent()).toBe("healthy");
    // The first bytes received make a worker throw; the server then stops, exit 1.
    const socket = await connect(server.echoPort);
    socket.on("error", () => {});
    socket.write("boom");
    await waitUntil(page, `document.querySelector("#health").dataset.state === "bad"`, 5000);
    expect(await health.textContent()).toMatch(/^unhealthy: worker \d failed$/);
    socket.destroy();
    expect(await server.exit()).toBe(1);
    await page.close();
  });
});
