/**
 * Runs in a child process (a crash fails one test, not the runner): a NOP
 * through a worker-style ring, then a MSG_RING from a control ring into it,
 * then a recv that fails with EBADF. Prints what came back as JSON.
 */
import { IORING_SETUP } from "../../src/ffi/linux/io-uring-abi.ts";
import { Ring } from "../../src/ffi/linux/io-uring.ts";
import { prepMsgRing, prepNop, prepRecv } from "../../src/ffi/linux/sqe.ts";

const flags = [IORING_SETUP.SINGLE_ISSUER | IORING_SETUP.DEFER_TASKRUN, 0];
const ring = Ring.open(8, flags);
const control = Ring.open(4, [0]);

function reap(r: Ring) {
  while (r.ready === 0) r.submit(1);
  const w = r.cqeWord(0);
  const cqe = { lo: r.cqeUserLo(w), hi: r.cqeUserHi(w), res: r.cqeRes(w) };
  r.consume(1);
  return cqe;
}

prepNop(ring, 0x1234, 0xabcd);
const nop = reap(ring);
prepMsgRing(control, ring.fd, 77, 0x5678, 1, 0);
const sent = reap(control);
const received = reap(ring);
prepRecv(ring, 987654, 0, 0, 9, 0);
const badFd = reap(ring);
ring.close();
control.close();
console.log(JSON.stringify({ nop, sent, received, badFd }));
