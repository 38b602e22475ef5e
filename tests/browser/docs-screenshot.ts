/**
 * Regenerates docs/dashboard.png, the README's picture of the dashboard:
 * `bun tests/browser/docs-screenshot.ts` (about a minute). Starts the server
 * from source, sends traffic in three phases so the charts show some shape,
 * and takes the picture. Not a test: it asserts nothing.
 */
import { join } from "node:path";
import { ROOT, ServerProcess, TARGETS } from "../e2e/harness.ts";
import { launch, openDashboard } from "./browser.ts";
import { startTraffic } from "./traffic.ts";

const PHASES = [
  { connections: 4, size: 4 * 1024, ms: 15_000 },
  { connections: 24, size: 16 * 1024, ms: 20_000 },
  { connections: 10, size: 64 * 1024, ms: 20_000 },
];

const server = await ServerProcess.start(TARGETS[0]!);
const browser = await launch();
let traffic: Awaited<ReturnType<typeof startTraffic>> | null = null;
try {
  const { page } = await openDashboard(browser, server, { width: 1440, height: 1000 });
  for (const phase of PHASES) {
    await traffic?.stop();
    traffic = await startTraffic(server.echoPort, phase.connections, phase.size, phase.ms + 5000);
    await Bun.sleep(phase.ms);
  }
  await Bun.sleep(1500);
  const path = join(ROOT, "docs/dashboard.png");
  await page.screenshot({ path, fullPage: true });
  console.log(`wrote ${path}`);
} finally {
  // The last phase is still running in the picture.
  await traffic?.stop();
  await browser.close();
  await server.stop();
}
