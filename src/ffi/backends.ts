/**
 * Chooses and opens a backend. The contract (src/engine.ts) knows no
 * implementation; this module is the one place that does, and the only
 * place that asks which OS this is.
 */
import type { ClientParams, ClientQueue } from "../client-queue.ts";
import type { BackendName, EngineHost, WorkerQueue } from "../engine.ts";
import type { WorkerParams } from "../worker-params.ts";

/** `auto` resolves here, and only here, from the platform. */
export function resolveBackend(requested: BackendName | "auto"): BackendName {
  if (requested !== "auto") return requested;
  return process.platform === "win32" ? "iocp" : "io_uring";
}

/** Whether this OS can run `backend` at all. */
export function backendAvailable(backend: BackendName): boolean {
  return backend === "iocp" ? process.platform === "win32" : process.platform === "linux";
}

export async function openHost(backend: BackendName): Promise<EngineHost> {
  if (backend === "iocp") return (await import("./win32/iocp-host.ts")).openIocpHost();
  return (await import("./linux/uring-host.ts")).openUringHost();
}

/** Worker `index` of `workers` opens its view of the engine. */
export async function openWorkerQueue(params: WorkerParams, index: number, workers: number): Promise<WorkerQueue> {
  if (params.backend === "iocp") return (await import("./win32/iocp-queue.ts")).openIocpQueue(params, index, workers);
  return (await import("./linux/uring-queue.ts")).openUringQueue(params);
}

/** A bench worker opens its own client queue: connections it alone owns. */
export async function openClientQueue(params: ClientParams): Promise<ClientQueue> {
  if (params.backend === "iocp") return (await import("./win32/iocp-client.ts")).openIocpClientQueue(params);
  return (await import("./linux/uring-client.ts")).openUringClientQueue(params);
}
