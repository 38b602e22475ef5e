/**
 * io_uring `user_data` layout: which operation of which connection a CQE
 * belongs to, recovered by arithmetic (liburing's encode_userdata idea).
 *
 *   bit 63 ............ 32 | 31 ............ 8 | 7 ...... 0
 *        generation (u32)  |     slot (u24)    |  op kind
 *
 * The two 32-bit halves are written to and read from the SQE/CQE as separate
 * words, so no BigInt is made per operation. Slot 0 with generation 0 is used
 * by the per-worker operations (accept, timer, control).
 */
export const MAX_SLOTS = 1 << 24;

export function userLo(slot: number, op: number): number {
  return ((slot << 8) | op) >>> 0;
}

export function opOf(lo: number): number {
  return lo & 0xff;
}

export function slotOf(lo: number): number {
  return lo >>> 8;
}

/** The whole 64-bit user_data as the kernel sees it (tests check the layout with it). */
export function userData64(slot: number, op: number, gen: number): bigint {
  return (BigInt(gen >>> 0) << 32n) | BigInt(userLo(slot, op));
}
