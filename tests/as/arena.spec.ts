import { arenaAlloc, arenaTop } from "../../assembly/util/arena";

describe("arena", () => {
  it("hands out zeroed, non-overlapping blocks and tracks the top", () => {
    const a = arenaAlloc(24);
    const b = arenaAlloc(8);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThanOrEqual(a + 24);
    expect(load<u64>(a)).toBe(0);
    expect(arenaTop()).toBe(b + 8);
  });
  it("refuses a negative size", () => {
    expect(arenaAlloc(-1)).toBe(0);
  });
});
