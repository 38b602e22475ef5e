/**
 * The IOCP backend's main-thread half: one completion port shared by every
 * worker, as in the seeds. Any worker may take any completion, so the
 * connection table and slot pool are shared (see echo.ts) and every
 * per-operation context lives in one slab that all workers map. The
 * listener is bound here, AcceptEx fetched once, and the exit key posted.
 */
import type { Pointer } from "bun:ffi";
import type { BoundAddress, EngineHost } from "../../engine.ts";
import type { IocpWorkerParams } from "../../worker-params.ts";
import { OsError } from "../../os-error.ts";
import { CompletionPort } from "./completion-port.ts";
import { win32Code } from "./errors.ts";
import { ACCEPT_POOL, CONTROL_BYTES, CONTROL_KEY, LISTENING, SOCKET_KEY } from "./iocp-shared.ts";
import { loadAcceptEx } from "./mswsock.ts";
import { allocate, release, reserve, type NativeBlock } from "./native.ts";
import { buffersAt, slabBytes, type SlabLayout } from "./op-context.ts";
import { ifsProvider, listenTcp } from "./sockets.ts";
import { UDP_BUFFERS_PER_WORKER, udpControlBytes, udpSlabBytes } from "./udp-iocp.ts";
import { bindUdp } from "./udp-socket.ts";
import { WSADATA_BYTES, ws2_32 } from "./ws2_32.ts";

class IocpHost implements EngineHost {
  readonly backend = "iocp" as const;
  readonly sharesConnections = true;
  private listener: number | null = null;
  private family = 2;
  private keepaliveMs = 0;
  private skipOnSuccess = false;
  private acceptEx: number | null = null;
  private slab: NativeBlock | null = null;
  private params: IocpWorkerParams | null = null;
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  /** With --udp: the datagram socket, and the slab and words its buffers share. */
  private udp: { socket: number; slab: NativeBlock; buffers: number; control: SharedArrayBuffer } | null = null;

  constructor(
    private readonly port: CompletionPort,
    private readonly scratch: NativeBlock,
  ) {}

  listen(host: string, port: number, backlog: number, keepaliveMs: number): BoundAddress {
    const { socket, family, bound } = listenTcp(this.scratch, host, port, backlog);
    this.listener = socket;
    this.family = family;
    this.keepaliveMs = keepaliveMs;
    const associated = this.port.associate(socket, SOCKET_KEY);
    if (associated !== null) throw associated;
    this.acceptEx = loadAcceptEx(socket, this.scratch);
    this.skipOnSuccess = ifsProvider(socket, this.scratch);
    Atomics.store(new Int32Array(this.control), LISTENING, 1);
    return bound;
  }

  /** Every worker gets the same shared slab and tables. */
  workerParams(slots: number, bufferBytes: number): IocpWorkerParams {
    if (this.params) return this.params;
    if (this.listener === null || this.acceptEx === null) throw new Error("listen() before workerParams()");
    const layout: SlabLayout = { slots, acceptPool: ACCEPT_POOL, bufferBytes };
    // LIFETIME: the slab outlives every worker; dispose() frees it after they exit.
    // Contexts are committed now; buffers as receives need them (iocp-queue.ts).
    this.slab = reserve(slabBytes(layout), buffersAt(layout), "the I/O slab");
    this.params = {
      backend: "iocp",
      listener: this.listener,
      udp: this.udp?.socket ?? -1,
      port: this.port.handle,
      slots,
      bufferBytes,
      slab: this.slab.address,
      acceptPool: ACCEPT_POOL,
      family: this.family,
      acceptEx: this.acceptEx,
      control: this.control,
      sockets: new SharedArrayBuffer(slots * 8),
      acceptSockets: new SharedArrayBuffer(ACCEPT_POOL * 8),
      keepaliveMs: this.keepaliveMs,
      skipOnSuccess: this.skipOnSuccess,
      skips: new SharedArrayBuffer(slots),
      slotFlags: new SharedArrayBuffer(slots * 2),
      receive: new SharedArrayBuffer(slots * 8),
      udpSlab: this.udp?.slab.address ?? 0,
      udpBuffers: this.udp?.buffers ?? 0,
      udpControl: this.udp?.control ?? null,
    };
    return this.params;
  }

  listenUdp(host: string, port: number, workers: number): void {
    const socket = bindUdp(this.scratch, host, port);
    try {
      const associated = this.port.associate(socket, SOCKET_KEY);
      if (associated !== null) throw associated;
      const buffers = workers * UDP_BUFFERS_PER_WORKER;
      // LIFETIME: like the TCP slab, it outlives every worker; dispose() frees it after they exit.
      const slab = allocate(udpSlabBytes(buffers), "the UDP buffers");
      this.udp = { socket, slab, buffers, control: new SharedArrayBuffer(udpControlBytes(buffers)) };
    } catch (error) {
      ws2_32.closesocket(socket);
      throw error;
    }
  }

  attach(): void {
    // Workers share the one port; there is nothing per worker to record.
  }

  post(_index: number, command: number): void {
    this.port.post(command, CONTROL_KEY);
  }

  stopAccepting(): void {
    // Workers stop re-posting, and closing the listener aborts every
    // AcceptEx still pending; those completions arrive with errors.
    Atomics.store(new Int32Array(this.control), LISTENING, 0);
    // A failed close leaves nothing to retry: the process is stopping.
    if (this.listener !== null) ws2_32.closesocket(this.listener);
    this.listener = null;
  }

  raiseOpenFileLimit(): null {
    return null; // Windows has no per-process socket-count limit to raise.
  }

  countOwnDescriptors(): null {
    return null; // Windows shows no list of this process's sockets to count.
  }

  dispose(): void {
    this.stopAccepting();
    // The datagram socket closes before the port; no worker is left to use either.
    if (this.udp) {
      ws2_32.closesocket(this.udp.socket);
      release(this.udp.slab);
      this.udp = null;
    }
    this.port.close();
    if (this.slab) release(this.slab);
    this.slab = null;
    release(this.scratch);
  }
}

export function openIocpHost(): EngineHost {
  // Scratch for start-up calls; WSAStartup writes a WSADATA into it.
  const scratch = allocate(Math.max(4096, WSADATA_BYTES), "start-up scratch");
  const started = ws2_32.WSAStartup(0x0202, scratch.address as Pointer);
  if (started !== 0) throw new OsError("WSAStartup", win32Code(started), started);
  return new IocpHost(CompletionPort.create(), scratch);
}
