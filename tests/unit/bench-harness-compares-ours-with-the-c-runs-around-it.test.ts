/**
 * `bun run bench`'s agreement table (bench/our-client.ts): our client is
 * compared with the C client's runs on either side of it, and the C client
 * with itself, so a reader sees how far two runs of one client differ on
 * the machine before judging ours.
 */
import { describe, expect, test } from "bun:test";
import {
  type AgreementRow,
  agreementRows,
  describeProblems,
  limitOf,
  type OurReport,
  sandwichRatio,
  within10,
} from "../../bench/our-client.ts";

const quiet = { clientCore: 50, serverCore: 50, client: 45, server: 40, elsewhere: 0 };

function row(over: Partial<AgreementRow>): AgreementRow {
  return {
    scenario: "ping-pong 64 B x 50",
    server: "C io_uring",
    c: 100_000,
    ours: 100_000,
    ratio: 1,
    selfRatio: 1,
    cProblems: 0,
    ourProblems: 0,
    cCpu: quiet,
    ourCpu: quiet,
    ...over,
  };
}

describe("sandwichRatio", () => {
  test("a machine drifting steadily over the three runs cancels out", () => {
    // Each run 10% faster than the one before: ours is as fast as a C run would be in its place.
    expect(sandwichRatio(100, 110, 121)).toBeCloseTo(1, 12);
  });

  test("ours slower than both C runs reads below 1", () => {
    expect(sandwichRatio(100, 80, 100)).toBeCloseTo(0.8, 12);
  });

  test("a C run that measured nothing gives no ratio rather than infinity", () => {
    expect(sandwichRatio(0, 80, 100)).toBeNaN();
    expect(sandwichRatio(100, 80, 0)).toBeNaN();
  });
});

test("within10 is the issue's bound, both ways, edges included", () => {
  expect(within10(0.9)).toBe(true);
  expect(within10(1.1)).toBe(true);
  expect(within10(0.89)).toBe(false);
  expect(within10(1.11)).toBe(false);
  expect(within10(Number.NaN)).toBe(false);
});

describe("agreementRows", () => {
  test("each row says whether ours agrees, and whether the C client agreed with itself", () => {
    const [header, , ...rows] = agreementRows([
      row({ ratio: 0.95, selfRatio: 1.2 }),
      row({ ratio: 0.8, selfRatio: 1 }),
    ]);
    const columns = header!.split("|").map((c) => c.trim());
    const cells = rows.map((r) => r.split("|").map((c) => c.trim()));
    const at = (name: string) => columns.indexOf(name);
    expect(cells[0]![at("ratio")]).toBe("0.95");
    expect(cells[0]![at("within 10%")]).toBe("yes");
    expect(cells[0]![at("C again / C")]).toBe("1.20");
    expect(cells[0]![at("C within 10% of itself")]).toBe("**no**");
    expect(cells[1]![at("within 10%")]).toBe("**no**");
    expect(cells[1]![at("C within 10% of itself")]).toBe("yes");
  });

  test("a verdict differs when only one client saw problems", () => {
    const [header, , line] = agreementRows([row({ cProblems: 0, ourProblems: 3 })]);
    const at = header!
      .split("|")
      .map((c) => c.trim())
      .indexOf("same verdict");
    expect(line!.split("|").map((c) => c.trim())[at]).toBe("**no**");
  });
});

test("limitOf names the slower run's limit from how busy the cores were", () => {
  const full = { clientCore: 99, serverCore: 60, client: 97, server: 55, elsewhere: 0 };
  expect(limitOf(row({ ratio: 0.8, ourCpu: full }))).toBe("ours client");
  expect(limitOf(row({ ratio: 1.2, cCpu: { ...full, clientCore: 60, serverCore: 99 } }))).toBe("server (C run)");
  expect(limitOf(row({ ratio: 0.8, ourCpu: { ...full, elsewhere: 25 } }))).toBe(
    "machine busy elsewhere (25%, ours run)",
  );
});

describe("describeProblems", () => {
  const report = (errors: Record<string, number>, perInterval: number[]): OurReport => ({
    startedAt: "2026-12-03T17:00:00.000Z",
    throughput: { messagesPerSec: 1 },
    errors,
    intervals: perInterval.map((errors) => ({ errors })),
  });

  test("a clean run has nothing to say", () => {
    expect(describeProblems(report({ stall: 0, reset: 0 }, [0, 0]))).toEqual({ total: 0, text: "" });
  });

  test("errors all inside the measured seconds are listed by kind", () => {
    expect(describeProblems(report({ stall: 3, reset: 1, corrupt: 0 }, [0, 4]))).toEqual({
      total: 4,
      text: "stall 3, reset 1",
    });
  });

  test("errors while connecting, warming up or draining are counted apart", () => {
    expect(describeProblems(report({ stall: 4621 }, [0, 1, 0]))).toEqual({
      total: 4621,
      text: "stall 4621; 4620 of the 4621 outside the measured seconds",
    });
  });
});
