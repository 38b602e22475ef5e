/** TCP clients for the end-to-end suite: plain node:net sockets on 127.0.0.1. */
import { createHash, randomBytes } from "node:crypto";
import net from "node:net";

export const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
export { randomBytes };

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Everything the peer sends until it closes (or `ms` passes). */
export function readAll(socket: net.Socket, ms = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`no EOF within ${ms} ms (${total()} bytes read)`)), ms);
    const total = () => chunks.reduce((n, c) => n + c.length, 0);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.once("end", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Reads exactly `n` bytes. */
export function readExactly(socket: net.Socket, n: number, ms = 30_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const timer = setTimeout(() => done(new Error(`read ${have} of ${n} bytes within ${ms} ms`)), ms);
    const onData = (c: Buffer) => {
      chunks.push(c);
      have += c.length;
      if (have >= n) done(null);
    };
    const onEnd = () => done(new Error(`EOF after ${have} of ${n} bytes`));
    const done = (error: Error | null) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", done);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", done);
  });
}

/** Sends `payload`, half-closes, and returns all that came back before EOF. */
export async function echoOnce(port: number, payload: Uint8Array): Promise<Buffer> {
  const socket = await connect(port);
  const back = readAll(socket, 60_000);
  socket.end(payload);
  const result = await back;
  socket.destroy();
  return result;
}

/** Resolves when the server closes the connection; rejects after `ms`. */
export function closedByPeer(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed || socket.readableEnded) return resolve();
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    socket.once("end", done);
    socket.once("close", done);
    socket.once("error", done);
    socket.resume();
  });
}

/** Whether a TCP connect to the port succeeds now. */
export function canConnect(port: number): Promise<boolean> {
  return connect(port).then(
    (s) => {
      s.destroy();
      return true;
    },
    () => false,
  );
}
