/**
 * What the bench's completion loop needs from an engine: the client half of
 * a WorkerQueue. Each slot is one outgoing connection with a receive area
 * and a send area of `areaBytes` each in the queue's native slab (the kernel
 * reads and writes them while operations are pending; the loop reads
 * received bytes and writes bytes to send through the views, only while no
 * operation on that area is outstanding).
 */
import type { CompletionBatch, IssueResult } from "../engine.ts";

/** OpKind of a connect's completion: res 0 once connected, a negative errno otherwise. */
export const CONNECT_OP = 7;

export interface ClientQueue {
  readonly threadId: number;
  readonly areaBytes: number;
  /** Open a socket for the slot and connect it to the run's target. */
  connect(slot: number, gen: number): IssueResult;
  /** Receive into the slot's receive area. */
  recv(slot: number, gen: number): IssueResult;
  /** Send `length` bytes of the slot's send area from `offset`. */
  send(slot: number, gen: number, offset: number, length: number): IssueResult;
  /**
   * The queue's native memory as bytes, made once: a view made per
   * operation would be an object per operation (the server's soak under
   * Wine showed such garbage never being collected).
   */
  readonly memory: Uint8Array;
  /** Where in `memory` the slot's receive area starts, and its send area. */
  receiveAt(slot: number): number;
  sendAt(slot: number): number;
  /** Make the slot's outstanding operations (connect included) finish soon. */
  abort(slot: number): void;
  /** Release the slot's socket; nothing of the slot may be outstanding. */
  close(slot: number): void;
  armTimer(ms: number): void;
  cancelTimer(): void;
  wait(batch: CompletionBatch): void;
  dispose(): void;
}
