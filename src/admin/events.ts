/**
 * GET /events: Server-Sent Events, one `sample` event a second, first one at
 * once. Each open stream costs a timer and a JSON snapshot a second, so their
 * number is capped; past the cap the answer is 503 with Retry-After.
 *
 * The streams never hold a shutdown: the drain waits for echo connections
 * only, and stopping the admin server closes every connection it has, which
 * aborts the streams and ends their loops.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { Sample } from "./schemas.ts";

export const MAX_EVENT_STREAMS = 8;
export const SAMPLE_INTERVAL_MS = 1000;
/** How long a browser waits before reconnecting a dropped stream. */
const RETRY_MS = 2000;

export class EventStreams {
  private open = 0;

  constructor(
    private readonly sample: () => Sample,
    private readonly max = MAX_EVENT_STREAMS,
  ) {}

  get count(): number {
    return this.open;
  }

  respond(c: Context): Response {
    if (this.open >= this.max) {
      c.header("retry-after", String(Math.ceil(RETRY_MS / 1000)));
      return c.json({ error: `too many event streams: ${this.max} are open; close one or retry later` }, 503);
    }
    this.open++;
    let released = false;
    const release = () => {
      if (!released) this.open--;
      released = true;
    };
    return streamSSE(c, async (stream) => {
      // A closed stream frees its place at once, not at its loop's next tick.
      stream.onAbort(release);
      try {
        for (let id = 0; !stream.aborted && !stream.closed; id++) {
          const data = JSON.stringify(this.sample());
          await stream.writeSSE({ event: "sample", id: String(id), data, ...(id === 0 ? { retry: RETRY_MS } : {}) });
          await stream.sleep(SAMPLE_INTERVAL_MS);
        }
      } finally {
        release();
      }
    });
  }
}
