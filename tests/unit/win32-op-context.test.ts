import { expect, test } from "bun:test";
import {
  ACCEPT_ADDRESS_BYTES,
  ACCEPT_CTX_BYTES,
  ACCEPT_RECEIVED,
  acceptCtxOffset,
  bufferOffset,
  CONN_CTX_BYTES,
  connCtxOffset,
  contextAt,
  CTX_GEN,
  CTX_SEND_HALF,
  OVERLAPPED_BYTES,
  PAGE_BYTES,
  slabBytes,
} from "../../src/ffi/win32/op-context.ts";

const layout = { slots: 1000, acceptPool: 32, bufferBytes: 8192 };
const base = 0x7f12_3456_0000; // above 2^32, as real addresses are

test("every connection context's OVERLAPPED address maps back to its slot", () => {
  for (const slot of [0, 1, 2, 499, 999]) {
    expect(contextAt(layout, base, base + connCtxOffset(slot))).toBe(slot);
  }
});

test("the send's half of a connection context maps back to the same slot", () => {
  for (const slot of [0, 1, 999]) {
    expect(contextAt(layout, base, base + connCtxOffset(slot) + CTX_SEND_HALF)).toBe(slot);
  }
  expect(contextAt(layout, base, base + connCtxOffset(5) + CTX_SEND_HALF / 2)).toBe(-1);
});

test("every accept context maps back to slots + its index", () => {
  for (const a of [0, 1, 31]) {
    expect(contextAt(layout, base, base + acceptCtxOffset(layout, a))).toBe(layout.slots + a);
  }
});

test("addresses that start no context are refused, never guessed", () => {
  expect(contextAt(layout, base, base - CONN_CTX_BYTES)).toBe(-1);
  expect(contextAt(layout, base, base + 8)).toBe(-1);
  expect(contextAt(layout, base, base + acceptCtxOffset(layout, 0) + 64)).toBe(-1);
  expect(contextAt(layout, base, base + acceptCtxOffset(layout, 32))).toBe(-1); // past the pool
  expect(contextAt(layout, base, base + bufferOffset(layout, 0))).toBe(-1);
});

test("regions do not overlap and the slab holds them all", () => {
  expect(OVERLAPPED_BYTES).toBeLessThanOrEqual(CTX_GEN);
  expect(ACCEPT_RECEIVED + 4).toBeLessThanOrEqual(ACCEPT_CTX_BYTES);
  expect(ACCEPT_ADDRESS_BYTES).toBe(128 + 16); // sizeof(sockaddr_storage) + 16
  expect(acceptCtxOffset(layout, 0)).toBe(connCtxOffset(layout.slots));
  expect(bufferOffset(layout, 0)).toBeGreaterThanOrEqual(acceptCtxOffset(layout, layout.acceptPool));
  expect(bufferOffset(layout, layout.slots)).toBe(slabBytes(layout));
});

test("each slot's buffer starts on a page of its own, so committing one slot's pages never touches another's", () => {
  for (const bufferBytes of [64, 4096, 10_000, 65_536]) {
    const l = { ...layout, bufferBytes };
    for (const slot of [0, 1, 999]) {
      expect(bufferOffset(l, slot) % PAGE_BYTES).toBe(0);
      expect(bufferOffset(l, slot + 1) - bufferOffset(l, slot)).toBeGreaterThanOrEqual(bufferBytes);
    }
    expect(bufferOffset(l, 0)).toBeGreaterThanOrEqual(acceptCtxOffset(l, l.acceptPool));
  }
});
