import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import {
  IORING_ACCEPT_MULTISHOT,
  IORING_ASYNC_CANCEL_ALL,
  IORING_CQE_F_MORE,
  IORING_ENTER_GETEVENTS,
  IORING_FEAT_SINGLE_MMAP,
  IORING_OP,
  IORING_REGISTER_PROBE,
  IORING_SETUP,
  IOSQE_CQE_SKIP_SUCCESS,
} from "../../src/ffi/linux/io-uring-abi.ts";

const HEADER = "/usr/include/linux/io_uring.h";

// Compares our hand-written numbers with the kernel's uapi header when the
// machine has it (Debian's linux-libc-dev); otherwise a visible skip.
test.skipIf(!existsSync(HEADER))("io_uring numbers match <linux/io_uring.h>", () => {
  const text = readFileSync(HEADER, "utf8");
  const enumBody = /enum io_uring_op \{([\s\S]*?)\};/.exec(text)?.[1] ?? "";
  const ops = enumBody
    .split("\n")
    .map((l) => /^\s*(IORING_OP_\w+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
  for (const [name, value] of Object.entries(IORING_OP)) expect(ops.indexOf(`IORING_OP_${name}`)).toBe(value);

  const define = (name: string) => {
    const m = new RegExp(`#define\\s+${name}\\s+\\(?\\s*(?:1U\\s*<<\\s*(\\d+)|(\\d+))`).exec(text);
    if (!m) throw new Error(`${name} not in header`);
    return m[1] !== undefined ? 1 << Number(m[1]) : Number(m[2]);
  };
  for (const [name, value] of Object.entries(IORING_SETUP)) expect(define(`IORING_SETUP_${name}`)).toBe(value);
  const sqeBits = (/enum \{\s*(IOSQE_FIXED_FILE_BIT[\s\S]*?)\};/.exec(text)?.[1] ?? "")
    .split("\n")
    .map((l) => /^\s*(IOSQE_\w+_BIT)/.exec(l)?.[1]);
  expect(1 << sqeBits.indexOf("IOSQE_CQE_SKIP_SUCCESS_BIT")).toBe(IOSQE_CQE_SKIP_SUCCESS);
  expect(define("IORING_ENTER_GETEVENTS")).toBe(IORING_ENTER_GETEVENTS);
  expect(define("IORING_FEAT_SINGLE_MMAP")).toBe(IORING_FEAT_SINGLE_MMAP);
  expect(define("IORING_CQE_F_MORE")).toBe(IORING_CQE_F_MORE);
  expect(define("IORING_ACCEPT_MULTISHOT")).toBe(IORING_ACCEPT_MULTISHOT);
  expect(define("IORING_ASYNC_CANCEL_ALL")).toBe(IORING_ASYNC_CANCEL_ALL);
  expect(/IORING_REGISTER_PROBE\s*=\s*(\d+)/.exec(text)?.[1]).toBe(String(IORING_REGISTER_PROBE));
});
