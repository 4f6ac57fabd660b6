import { checkPool, poolPrice, PoolGrid, priceCentsFromMicro, type PoolSpace } from "../../kernel/src/ribbon/catalogue";

const SPACE: PoolSpace = { model: "toy", types: ["a", "b", "c"], pricesPerHour: [0.616, 0.384, 0.3328], maxCounts: [2, 1, 3] };

describe("PoolGrid enumeration", () => {
  const g = new PoolGrid(SPACE);

  it("has Π(max+1) − 1 pools, lexicographic with c1 slowest, the empty pool excluded", () => {
    expect(g.size).toBe(3 * 2 * 4 - 1);
    expect(g.pool(0)).toEqual([0, 0, 1]);
    expect(g.pool(1)).toEqual([0, 0, 2]);
    expect(g.pool(3)).toEqual([0, 1, 0]);
    expect(g.pool(g.size - 1)).toEqual([2, 1, 3]);
    const keys = new Set<string>();
    for (let i = 0; i < g.size; i++) keys.add(g.pool(i).join(","));
    expect(keys.size).toBe(g.size);
    expect(keys.has("0,0,0")).toBe(false);
  });

  it("indexOf inverts pool()", () => {
    for (let i = 0; i < g.size; i++) expect(g.indexOf(g.pool(i))).toBe(i);
  });

  it("prices pools exactly in micro-dollars", () => {
    expect(g.priceMicro[g.indexOf([2, 1, 3])]).toBe(2 * 616000 + 384000 + 3 * 332800);
    expect(g.price[g.indexOf([0, 0, 3])]).toBe(0.9984);
    expect(g.maxPrice).toBeCloseTo(2.6144, 12);
    expect(poolPrice(SPACE, [1, 1, 1])).toBe(1.3328);
    // 0.1 + 0.2 is not 0.3 in floating point; the micro-dollar sum is.
    expect(poolPrice({ model: "x", types: ["p", "q"], pricesPerHour: [0.1, 0.2], maxCounts: [1, 1] }, [1, 1])).toBe(0.3);
  });

  it("lists homogeneous pools per type", () => {
    expect(g.homogeneous(2).map((i) => g.pool(i))).toEqual([[0, 0, 1], [0, 0, 2], [0, 0, 3]]);
  });

  it("works for one and four types", () => {
    expect(new PoolGrid({ model: "one", types: ["a"], pricesPerHour: [1], maxCounts: [5] }).size).toBe(5);
    expect(new PoolGrid({ model: "four", types: ["a", "b", "c", "d"], pricesPerHour: [1, 1, 1, 1], maxCounts: [5, 6, 17, 15] }).size).toBe(6 * 7 * 18 * 16 - 1);
  });

  it.each([
    [{ ...SPACE, pricesPerHour: [0.6, 0, 0.3] }, /price of b/],
    [{ ...SPACE, maxCounts: [2, -1, 3] }, /max count of b/],
    [{ ...SPACE, types: ["a", "a", "c"] }, /repeat/],
    [{ ...SPACE, maxCounts: [0, 0, 0] }, /only the empty pool/],
    [{ ...SPACE, maxCounts: [1, 2] }, /3 types but 3 prices and 2 bounds/],
  ])("rejects a malformed space %#", (space, msg) => {
    expect(() => new PoolGrid(space as PoolSpace)).toThrow(msg);
  });
});

describe("checkPool", () => {
  it.each([
    [[3, 0, 0], /count of a .* out of bounds: 3 is not in 0..2/],
    [[0, -1, 1], /out of bounds/],
    [[0, 0, 0], /empty pool/],
    [[1, 1], /has 2 counts but toy pools have 3/],
    [[1.5, 0, 0], /whole number/],
  ])("rejects %p with a RangeError (the dispatcher shows it as a usage error)", (pool, msg) => {
    expect(() => checkPool(SPACE, pool)).toThrow(RangeError);
    expect(() => checkPool(SPACE, pool)).toThrow(msg);
  });
});

describe("priceCentsFromMicro", () => {
  it("rounds to cents half to even on the exact value", () => {
    expect(priceCentsFromMicro(4_361_600)).toBe(436);
    expect(priceCentsFromMicro(1_125_000)).toBe(112); // 1.125 → 1.12 (Python's round)
    expect(priceCentsFromMicro(1_135_000)).toBe(114); // 1.135 → 1.14
    expect(priceCentsFromMicro(1_135_001)).toBe(114);
    expect(priceCentsFromMicro(1_124_999)).toBe(112);
  });
});
