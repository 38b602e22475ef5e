/**
 * OVERLAPPED_ENTRY's named offsets follow from its fields' x64 sizes and
 * alignment (ULONG_PTR, LPOVERLAPPED, ULONG_PTR, DWORD), the way the C
 * compiler lays it out, so the IOCP backend never reads a bare offset.
 */
import { expect, test } from "bun:test";
import { OVERLAPPED_ENTRY } from "../../src/ffi/win32/op-context.ts";

/** C layout: each field at the next multiple of its alignment; the struct padded to its largest. */
function layout(fields: [name: string, bytes: number][]) {
  const offsets: Record<string, number> = {};
  let at = 0;
  for (const [name, bytes] of fields) {
    at = Math.ceil(at / bytes) * bytes;
    offsets[name] = at;
    at += bytes;
  }
  const align = Math.max(...fields.map(([, b]) => b));
  return { offsets, size: Math.ceil(at / align) * align };
}

test("OVERLAPPED_ENTRY's offsets and size are the x64 C layout", () => {
  const { offsets, size } = layout([
    ["lpCompletionKey", 8],
    ["lpOverlapped", 8],
    ["Internal", 8],
    ["dwNumberOfBytesTransferred", 4],
  ]);
  const { BYTES, ...named }: Record<string, number> = OVERLAPPED_ENTRY;
  expect(named).toEqual(offsets);
  expect(BYTES).toBe(size);
});
