/**
 * GET /events: Server-Sent Events. A stream opens with one `history` event
 * (the samples of the last five minutes, so a page opened now draws its
 * charts at once), then one `sample` event a second, the first at once.
 *
 * One timer samples the server every second whether anyone watches or not
 * (the history needs it; a sample is a read of a few counter rows), and
 * every open stream gets the same sample. Each stream costs a socket and a
 * write a second, so their number is capped; past the cap the answer is 503
 * with Retry-After.
 *
 * The streams never hold a shutdown: the drain waits for echo connections
 * only, and stopping the admin server closes every connection it has, which
 * aborts the streams.
 */
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { History, Sample } from "./schemas.ts";

export const MAX_EVENT_STREAMS = 8;
export const SAMPLE_INTERVAL_MS = 1000;
/** Five minutes of samples: the span of the dashboard's charts. */
export const HISTORY_SAMPLES = 300;
/** How long a browser waits before reconnecting a dropped stream. */
const RETRY_MS = 2000;

export interface EventStreamOptions {
  max?: number;
  intervalMs?: number;
  historySamples?: number;
}

export class EventStreams {
  private open = 0;
  private readonly live = new Set<SSEStreamingApi>();
  private readonly history: History["points"] = [];
  private sequence = 0;
  private readonly max: number;
  private readonly historySamples: number;

  constructor(
    private readonly sample: () => Sample,
    options: EventStreamOptions = {},
  ) {
    this.max = options.max ?? MAX_EVENT_STREAMS;
    this.historySamples = options.historySamples ?? HISTORY_SAMPLES;
    // unref: the sampler never keeps the process alive by itself.
    setInterval(() => this.tick(), options.intervalMs ?? SAMPLE_INTERVAL_MS).unref();
  }

  get count(): number {
    return this.open;
  }

  private tick(): void {
    const sample = this.sample();
    this.history.push({ time: sample.time, stats: sample.stats });
    if (this.history.length > this.historySamples) this.history.shift();
    const message = { event: "sample", id: String(this.sequence++), data: JSON.stringify(sample) };
    for (const stream of this.live) void stream.writeSSE(message);
  }

  respond(c: Context): Response {
    if (this.open >= this.max) {
      c.header("retry-after", String(Math.ceil(RETRY_MS / 1000)));
      return c.json({ error: `too many event streams: ${this.max} are open; close one or retry later` }, 503);
    }
    this.open++;
    return streamSSE(c, async (stream) => {
      const ended = new Promise<void>((resolve) => stream.onAbort(resolve));
      try {
        const history = JSON.stringify({ points: this.history });
        await stream.writeSSE({ event: "history", data: history, retry: RETRY_MS });
        await stream.writeSSE({ event: "sample", id: String(this.sequence), data: JSON.stringify(this.sample()) });
        // From here on the timer writes to it, after the two above, so the order holds.
        this.live.add(stream);
        if (!stream.aborted) await ended;
      } finally {
        this.live.delete(stream);
        this.open--;
      }
    });
  }
}
