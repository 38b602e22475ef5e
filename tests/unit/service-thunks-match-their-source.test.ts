import { expect, test } from "bun:test";
import { compileServiceThunks } from "../../build/service-thunks.ts";
import {
  SERVICE_THUNK_CODE,
  SERVICE_THUNK_CONTEXT_MARKER,
  SERVICE_THUNK_ENTRIES,
} from "../../src/ffi/win32/service-thunk-code.ts";

// The committed machine code must be what service-thunks.c compiles to, so
// that reading the C source is reading what runs. Needs mingw (visible skip).
const compiled = compileServiceThunks();
const mingwMissing = typeof compiled === "string";
if (mingwMissing) console.warn(`skipped: ${compiled}`);

test.skipIf(mingwMissing)("the service thunks' bytes, entry points and context marker match service-thunks.c", () => {
  if (typeof compiled === "string") return;
  expect(compiled.code).toEqual(SERVICE_THUNK_CODE);
  expect(compiled.entries).toEqual(SERVICE_THUNK_ENTRIES);
  expect(compiled.contextMarker).toBe(SERVICE_THUNK_CONTEXT_MARKER);
});

test("the context marker sits inside ServiceMain, the one thunk without a context parameter", () => {
  expect(SERVICE_THUNK_CONTEXT_MARKER).toBeGreaterThan(SERVICE_THUNK_ENTRIES.ServiceMain);
  expect(SERVICE_THUNK_CONTEXT_MARKER).toBeLessThan(SERVICE_THUNK_ENTRIES.HandlerEx);
  const marker = SERVICE_THUNK_CODE.slice(SERVICE_THUNK_CONTEXT_MARKER, SERVICE_THUNK_CONTEXT_MARKER + 8);
  expect(marker).toEqual([0xde, 0xc0, 0xc7, 0x5e, 0xde, 0xc0, 0xc7, 0x5e]);
});
