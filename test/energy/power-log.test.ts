/**
 * The power-log reader's handling of bad rows: a Slurm job's log skips them with a note
 * (jobPowerSeries), a cut last line is dropped with a note that keeps its line number, and a
 * whole but bad last row is an error.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { powerLogFromText } from "../../kernel/src/energy/power-log";
import { jobPowerSeries } from "../../kernel/src/trials/slurm";

const HEADER = "timestamp, index, power.draw [W]";
const row = (i: number) => `2022/01/31 12:00:${String(i).padStart(2, "0")}.000, 0, ${40 + i}.00 W`;

describe("a Slurm job's power log with one bad row", () => {
  // 50 rows; row 20 (file line 21) has 5 fields instead of 3.
  const rows = Array.from({ length: 50 }, (_, i) => (i === 19 ? `${row(i)}, 9, 9` : row(i)));
  const text = [HEADER, ...rows].join("\n") + "\n";

  it("jobPowerSeries keeps the other 49 samples and says where the bad row is", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-power-log-"));
    try {
      const file = path.join(dir, "power-1.csv");
      fs.writeFileSync(file, text);
      const { series, issues } = jobPowerSeries([{ trial: "t1", job: "7", file }]);
      expect(series).toHaveLength(1);
      expect(series[0].values).toHaveLength(49);
      expect(issues).toEqual([`${file}:21: row has 5 fields but the header has 3; check for a missing or extra comma`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the plain reader still fails on it", () => {
    expect(() => powerLogFromText(text, "p.csv")).toThrow(/^p\.csv:21: row has 5 fields/);
  });

  it("many bad rows: the first 20 noted one by one, the rest counted", () => {
    const bad = [HEADER, row(0), ...Array.from({ length: 25 }, (_, i) => `${row(i + 1)}, x`), row(30)].join("\n") + "\n";
    const log = powerLogFromText(bad, "m.csv", { skipBadRows: true });
    expect(log.samples).toBe(2);
    expect(log.notes.filter((n) => / row has 4 fields/.test(n))).toHaveLength(20);
    expect(log.notes).toContain("m.csv: 5 more bad rows skipped");
  });
});

describe("the last line without a newline", () => {
  const head = [HEADER, ...Array.from({ length: 11 }, (_, i) => row(i))].join("\n") + "\n";

  it("cut short (fewer fields): dropped, the note keeps the whole line number", () => {
    const log = powerLogFromText(head + "2022/01/31 12:00:59.000, 0", "c.csv");
    expect(log.samples).toBe(11);
    expect(log.notes).toEqual(["c.csv:13: cut last line dropped (row has 2 fields but the header has 3)"]);
  });

  it("whole but bad: an error, as on any other line", () => {
    expect(() => powerLogFromText(head + "2022/01/31 12:00:59.000, 0, lots", "c.csv")).toThrow(/^c\.csv:13:3: column "power.draw \[W\]" expects watts/);
    expect(() => powerLogFromText(head + "2022/01/31 12:00:59.000, 0, 1 W, 2", "c.csv")).toThrow(/^c\.csv:13: row has 4 fields/);
  });
});
