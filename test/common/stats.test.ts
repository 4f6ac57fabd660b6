import { averageRanks, kendallTauB, spearman } from "../../common/src/stats";

describe("averageRanks", () => {
  it("averages tied ranks", () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });
});

describe("spearman", () => {
  it("is 1 for monotone and -1 for reversed data", () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 35, 100])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });
  it("matches a hand computation with ties", () => {
    // ranks a: 1,2.5,2.5,4 ; b: 1,2,3,4 → pearson of ranks
    const ra = [1, 2.5, 2.5, 4];
    const rb = [1, 2, 3, 4];
    const m = 2.5;
    const num = ra.reduce((s, r, i) => s + (r - m) * (rb[i] - m), 0);
    const den = Math.sqrt(ra.reduce((s, r) => s + (r - m) ** 2, 0) * rb.reduce((s, r) => s + (r - m) ** 2, 0));
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(num / den, 12);
  });
  it("is NaN when undefined", () => {
    expect(spearman([1], [1])).toBeNaN();
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe("kendallTauB", () => {
  it("counts concordant and discordant pairs", () => {
    // pairs: (1,2):C (1,3):C (2,3):D → (2-1)/3
    expect(kendallTauB([1, 2, 3], [1, 3, 2])).toBeCloseTo(1 / 3, 12);
  });
  it("corrects for ties (tau-b)", () => {
    // a has one tied pair; b none. C=2 (pairs 0-1? a tie) → pairs: (0,1) tieA, (0,2) C, (1,2) C
    expect(kendallTauB([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(2 * 3), 12);
  });
});
