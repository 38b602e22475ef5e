/**
 * Starts a bench worker. It sits beside main.ts, like server.ts, because a
 * compiled executable finds a Worker's file only relative to a module in the
 * entry's folder.
 */
export function spawnBenchWorker(): Worker {
  return new Worker(new URL("./bench-worker.ts", import.meta.url).href);
}
