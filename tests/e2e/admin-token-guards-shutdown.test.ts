import { expect, test } from "bun:test";
import { echoOnce } from "./clients.ts";
import { describeTargets, ServerProcess } from "./harness.ts";

const TOKEN = "s3cret-token-for-tests";

describeTargets("with --admin-token, POST /shutdown needs the bearer token", (t) => {
  test("401 without or with a wrong token; 202 with it", async () => {
    const server = await ServerProcess.start(t, ["--admin-token", TOKEN]);
    const none = await server.admin("/shutdown", { method: "POST" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await server.admin("/shutdown", {
      method: "POST",
      headers: { authorization: "Bearer nope-nope-nope" },
    });
    expect(wrong.status).toBe(401);
    // Nothing changed: still healthy and echoing.
    expect((await server.admin("/healthz")).status).toBe(200);
    expect((await echoOnce(server.echoPort, Buffer.from("ok"))).toString()).toBe("ok");
    const right = await server.admin("/shutdown", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(202);
    expect(await server.exit()).toBe(0);
    expect(server.stderrText).not.toContain(TOKEN);
  });
});
