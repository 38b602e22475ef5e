/** Reads Server-Sent Events off a response body, for tests. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
}

function parse(block: string): SseEvent {
  const e: SseEvent = { event: "message", id: undefined, data: "" };
  const data: string[] = [];
  for (const line of block.split("\n")) {
    const [, field, value = ""] = /^([^:]*):?\s?(.*)$/.exec(line) ?? [];
    if (field === "event") e.event = value;
    else if (field === "id") e.id = value;
    else if (field === "data") data.push(value);
  }
  e.data = data.join("\n");
  return e;
}

/** The first `n` events, then the stream is cancelled (as a browser closing the page would). */
export async function readEvents(body: ReadableStream<Uint8Array>, n: number): Promise<SseEvent[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let text = "";
  try {
    while (events.length < n) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (let end = text.indexOf("\n\n"); end >= 0 && events.length < n; end = text.indexOf("\n\n")) {
        events.push(parse(text.slice(0, end)));
        text = text.slice(end + 2);
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}
