/**
 * Each prep function writes the SQE its operation needs, checked byte by
 * byte against struct io_uring_sqe's layout, with an array standing in for
 * the ring (no syscalls).
 */
import { expect, test } from "bun:test";
import {
  IORING_ACCEPT_MULTISHOT,
  IORING_OP,
  IORING_RECV_MULTISHOT,
  IORING_RECVSEND_POLL_FIRST,
  IOSQE_BUFFER_SELECT,
  IOSQE_CQE_SKIP_SUCCESS,
  SQE_BYTES,
  SQE_WORD,
} from "../../src/ffi/linux/io-uring-abi.ts";
import * as prep from "../../src/ffi/linux/sqe.ts";

/** One SQE, zeroed by nextSqe as Ring.nextSqe zeroes its own. */
function sink(): prep.SqeSink & { view: DataView } {
  const words = new Uint32Array(SQE_WORD.WORDS);
  const doubles = new Float64Array(words.buffer);
  return {
    sqeWords: words,
    view: new DataView(words.buffer),
    nextSqe() {
      prep.zeroSqe(doubles, 0);
      return 0;
    },
  };
}

test("zeroSqe clears every byte of its SQE and none of its neighbours'", () => {
  const words = new Uint32Array(3 * SQE_WORD.WORDS).fill(0xffffffff);
  prep.zeroSqe(new Float64Array(words.buffer), SQE_WORD.WORDS);
  const bytes = new Uint8Array(words.buffer);
  expect(bytes.subarray(0, SQE_BYTES).every((b) => b === 0xff)).toBe(true);
  expect(bytes.subarray(SQE_BYTES, 2 * SQE_BYTES).every((b) => b === 0)).toBe(true);
  expect(bytes.subarray(2 * SQE_BYTES).every((b) => b === 0xff)).toBe(true);
});

/** Byte offsets of struct io_uring_sqe (include/uapi/linux/io_uring.h). */
const at = { opcode: 0, flags: 1, ioprio: 2, fd: 4, off: 8, addr: 16, len: 24, opFlags: 28, userData: 32 };

function fields(view: DataView) {
  return {
    opcode: view.getUint8(at.opcode),
    flags: view.getUint8(at.flags),
    ioprio: view.getUint16(at.ioprio, true),
    fd: view.getInt32(at.fd, true),
    off: view.getBigUint64(at.off, true),
    addr: view.getBigUint64(at.addr, true),
    len: view.getUint32(at.len, true),
    opFlags: view.getUint32(at.opFlags, true),
    userData: view.getBigUint64(at.userData, true),
    rest: [...new Uint8Array(view.buffer, 40, SQE_BYTES - 40)].some((b) => b !== 0),
  };
}

const base = { flags: 0, ioprio: 0, off: 0n, addr: 0n, len: 0, opFlags: 0, rest: false };

test("the SQE is 64 bytes and its words sit where the kernel reads them", () => {
  expect(SQE_BYTES).toBe(64);
  expect(SQE_WORD.fd * 4).toBe(at.fd);
  expect(SQE_WORD.off * 4).toBe(at.off);
  expect(SQE_WORD.addr * 4).toBe(at.addr);
  expect(SQE_WORD.len * 4).toBe(at.len);
  expect(SQE_WORD.opFlags * 4).toBe(at.opFlags);
  expect(SQE_WORD.userData * 4).toBe(at.userData);
});

test("prepRecv: fd, a 64-bit buffer address, its length, user_data halves", () => {
  const s = sink();
  prep.prepRecv(s, 7, 0x1_2345_6789, 4096, 0xaabb, 0xccdd);
  expect(fields(s.view)).toEqual({
    ...base,
    opcode: IORING_OP.RECV,
    fd: 7,
    addr: 0x1_2345_6789n,
    len: 4096,
    userData: (0xccddn << 32n) | 0xaabbn,
  });
});

test("prepRecv with pollFirst is the same receive with IORING_RECVSEND_POLL_FIRST in ioprio", () => {
  const plain = sink();
  prep.prepRecv(plain, 7, 0x4000, 64, 1, 2);
  const first = sink();
  prep.prepRecv(first, 7, 0x4000, 64, 1, 2, true);
  expect(fields(first.view)).toEqual({ ...fields(plain.view), ioprio: IORING_RECVSEND_POLL_FIRST });
});

test("prepSend carries its msg_flags", () => {
  const s = sink();
  prep.prepSend(s, 9, 0x5000, 10, 0x4000, 3, 4);
  expect(fields(s.view)).toEqual({
    ...base,
    opcode: IORING_OP.SEND,
    fd: 9,
    addr: 0x5000n,
    len: 10,
    opFlags: 0x4000,
    userData: (4n << 32n) | 3n,
  });
});

test("prepMultishotAccept is prepAccept with IORING_ACCEPT_MULTISHOT in ioprio", () => {
  const single = sink();
  prep.prepAccept(single, 5, 0o2000000, 1, 0);
  expect(fields(single.view)).toEqual({ ...base, opcode: IORING_OP.ACCEPT, fd: 5, opFlags: 0o2000000, userData: 1n });
  const multi = sink();
  prep.prepMultishotAccept(multi, 5, 0o2000000, 1, 0);
  expect(fields(multi.view)).toEqual({ ...fields(single.view), ioprio: IORING_ACCEPT_MULTISHOT });
});

test("prepRecvMultishot: no address or length of its own, IOSQE_BUFFER_SELECT, IORING_RECV_MULTISHOT and the buffer group", () => {
  const s = sink();
  prep.prepRecvMultishot(s, 9, 3, 0x0102, 0x0304);
  const { rest: _, ...seen } = fields(s.view);
  const { rest: __, ...want } = base;
  expect(seen).toEqual({
    ...want,
    opcode: IORING_OP.RECV,
    flags: IOSQE_BUFFER_SELECT,
    ioprio: IORING_RECV_MULTISHOT,
    fd: 9,
    userData: (0x0304n << 32n) | 0x0102n,
  });
  // sqe.buf_group is the u16 at byte 40; nothing after it is written.
  expect(s.view.getUint16(40, true)).toBe(3);
  expect([...new Uint8Array(s.view.buffer, 42, SQE_BYTES - 42)].some((b) => b !== 0)).toBe(false);
});

test("prepMsgRing: the target ring's fd, the result in len, the target's user_data in off", () => {
  const s = sink();
  prep.prepMsgRing(s, 11, 1, 0x105, 0, 0);
  expect(fields(s.view)).toEqual({ ...base, opcode: IORING_OP.MSG_RING, fd: 11, len: 1, off: 0x105n, userData: 0n });
});

test("prepTimeout points at one timespec; prepCancel names its target by user_data, with SQE flags set apart", () => {
  const t = sink();
  prep.prepTimeout(t, 0x9000, 4, 0);
  expect(fields(t.view)).toEqual({ ...base, opcode: IORING_OP.TIMEOUT, fd: -1, addr: 0x9000n, len: 1, userData: 4n });
  const c = sink();
  const w = prep.prepCancel(c, 0x0d, 1, 6, 0);
  prep.setSqeFlags(c, w, IOSQE_CQE_SKIP_SUCCESS);
  expect(fields(c.view)).toEqual({
    ...base,
    opcode: IORING_OP.ASYNC_CANCEL,
    flags: IOSQE_CQE_SKIP_SUCCESS,
    fd: -1,
    addr: 0x0dn,
    opFlags: 1,
    userData: 6n,
  });
});

test("writeTimespec: whole seconds, then the rest in nanoseconds, rounded to a whole millisecond of at least 1", () => {
  const view = new DataView(new ArrayBuffer(24));
  const timespec = (ms: number) => {
    prep.writeTimespec(view, 8, ms);
    return [view.getBigInt64(8, true), view.getBigInt64(16, true)];
  };
  expect(timespec(2500)).toEqual([2n, 500_000_000n]);
  expect(timespec(49.6)).toEqual([0n, 50_000_000n]);
  expect(timespec(0.2)).toEqual([0n, 1_000_000n]);
  expect(view.getBigInt64(0, true)).toBe(0n);
});

test("prepConnect: the socket, the sockaddr's address, its length in off; prepCancel can name a connection's generation", () => {
  const t = sink();
  prep.prepConnect(t, 9, 0x1_0000_2000, 28, 0x0107, 3);
  expect(fields(t.view)).toEqual({
    ...base,
    opcode: IORING_OP.CONNECT,
    fd: 9,
    addr: 0x1_0000_2000n,
    off: 28n,
    userData: (3n << 32n) | 0x0107n,
  });
  const c = sink();
  prep.prepCancel(c, 0x0107, 0, 6, 0, 3);
  expect(fields(c.view)).toEqual({
    ...base,
    opcode: IORING_OP.ASYNC_CANCEL,
    fd: -1,
    addr: (3n << 32n) | 0x0107n,
    userData: 6n,
  });
});
