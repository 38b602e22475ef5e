/**
 * Runs in a child process: how a DEFER_TASKRUN ring hands out completions
 * the kernel finishes in deferred work (a timeout here; a receive whose data
 * came, in the server). While completions are waiting in the CQ, an enter
 * only submits; the deferred work runs once they are read. Prints the user
 * words of the CQ's entries after each step as JSON.
 */
import { IORING_SETUP } from "../../src/ffi/linux/io-uring-abi.ts";
import { Ring } from "../../src/ffi/linux/io-uring.ts";
import { allocateNative } from "../../src/ffi/linux/libc.ts";
import { prepNop, prepTimeout, writeTimespec } from "../../src/ffi/linux/sqe.ts";

const TIMER = 1;
const FIRST = 2;
const SECOND = 3;
const ring = Ring.open(8, [IORING_SETUP.SINGLE_ISSUER | IORING_SETUP.DEFER_TASKRUN]);
const timespec = allocateNative(4096);
writeTimespec(new DataView(timespec.bytes), 0, 1);

/** The CQ's entries (user words), read and handed back. */
function drain(): number[] {
  const seen: number[] = [];
  for (let i = 0; i < ring.ready; i++) seen.push(ring.cqeUserLo(ring.cqeWord(i)));
  ring.consume(seen.length);
  return seen;
}

// A 1 ms timeout and a NOP: the NOP completes as it is submitted, the timeout in deferred work later.
prepTimeout(ring, timespec.address, TIMER, 0);
prepNop(ring, FIRST, 0);
ring.submitAndWait();
Bun.sleepSync(50);
// The timeout has fired by now. With FIRST unread, this turn only submits SECOND.
prepNop(ring, SECOND, 0);
ring.submitAndWait();
const beforeReading = drain();
// The CQ read, the next enter runs the deferred work (one that waits could hang this test, were it wrong).
ring.submit(0);
const afterReading = drain();
ring.close();
console.log(JSON.stringify({ beforeReading, afterReading }));
