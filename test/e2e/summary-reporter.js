/** Prints one closing line that CI reads in any language: "playwright: N passed, N failed, N skipped". */
class SummaryReporter {
  constructor() {
    this.counts = { passed: 0, failed: 0, skipped: 0 };
  }
  onTestEnd(test, result) {
    // Count each test once, by its final outcome.
    if (result.retry < test.retries && result.status !== "passed" && result.status !== "skipped") return;
    const key = result.status === "passed" ? "passed" : result.status === "skipped" ? "skipped" : "failed";
    this.counts[key]++;
  }
  onEnd() {
    const c = this.counts;
    console.log(`playwright: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  }
}
module.exports = SummaryReporter;
