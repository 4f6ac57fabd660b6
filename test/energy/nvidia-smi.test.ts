import * as fs from "fs";
import * as path from "path";
import { DataFormatError } from "../../kernel/src/errors";
import {
  gpuSamplesFromNvidiaSmiCsv,
  NVIDIA_SMI_FIELDS,
  NvidiaSmiStreamParser,
  parseNvidiaSmiValue,
  powerSeriesFromGpuSamples,
  supercloudGpuHeader,
  supercloudGpuRow,
} from "../../kernel/src/energy/nvidia-smi";
import { seriesEnergy } from "../../kernel/src/energy/series";
import { dateTimeMs } from "../../kernel/src/energy/time";

// Hand-written in nvidia-smi's csv output layout (units, spaces after commas, [N/A], a cut last line):
// no GPU was at hand to record one.
const FIXTURE = fs.readFileSync(path.join(__dirname, "fixtures/nvidia-smi-2gpu.csv"), "utf8");
const NOUNITS = fs.readFileSync(path.join(__dirname, "fixtures/nvidia-smi-nounits-noheader.csv"), "utf8");
// nvidia-smi prints local time, and zone-less times are read as local time (energy/time.ts).
const T0 = new Date(2024, 4, 14, 10, 21, 7, 100).getTime();

describe("parseNvidiaSmiValue", () => {
  it.each([
    [" 231.40 W", 231.4],
    ["87 %", 87],
    [" 2210 MiB", 2210],
    ["16", 16],
    ["[N/A]", null],
    [" [Not Supported] ", null],
    ["N/A", null],
    ["", null],
  ])("%p → %p", (cell, want) => expect(parseNvidiaSmiValue(cell)).toBe(want));
  it.each(["23x4", "W", "1.2.3"])("rejects %p", (cell) => expect(parseNvidiaSmiValue(cell)).toBeUndefined());
});

describe("dateTimeMs (the one timestamp rule)", () => {
  it("reads YYYY/MM/DD HH:MM:SS.mmm as local time; a Z or offset suffix as given", () => {
    expect(dateTimeMs("2024/05/14 10:21:07.100")).toBe(T0);
    expect(dateTimeMs("2024/05/14 10:21:07")).toBe(T0 - 100);
    expect(dateTimeMs("2024-05-14T10:21:07.100Z")).toBe(Date.UTC(2024, 4, 14, 10, 21, 7, 100));
    expect(dateTimeMs("2024-05-14T10:21:07.100+02:00")).toBe(Date.UTC(2024, 4, 14, 8, 21, 7, 100));
    // ISO 8601 with dashes is the same local instant as nvidia-smi's slashes.
    expect(dateTimeMs("2024-05-14 10:21:07.100")).toBe(T0);
  });
  it("keeps whole milliseconds exact", () => {
    expect(dateTimeMs("2024/05/14 10:21:07.007")! - dateTimeMs("2024/05/14 10:21:07")!).toBe(7);
  });
  it("rejects other layouts and impossible dates", () => {
    expect(dateTimeMs("14/05/2024 10:21:07")).toBeNull();
    expect(dateTimeMs("2024/13/14 10:21:07.100")).toBeNull();
    expect(dateTimeMs("2024/05/14 25:21:07.100")).toBeNull();
    expect(dateTimeMs("1715682067")).toBeNull();
  });
});

describe("NvidiaSmiStreamParser", () => {
  it("parses a header with units, two GPUs and [N/A] fields; drops the cut last line", () => {
    const p = new NvidiaSmiStreamParser();
    const rows = [...p.push(FIXTURE), ...p.end()];
    expect(rows).toHaveLength(7);
    expect(p.columns).toEqual([...NVIDIA_SMI_FIELDS]);
    expect(rows[0]).toEqual({
      t_ms: T0,
      gpu_index: 0,
      values: {
        "utilization.gpu": 0,
        "utilization.memory": 0,
        "memory.free": 32510,
        "memory.used": 0,
        "temperature.gpu": 41,
        "temperature.memory": 39,
        "power.draw": 38.12,
        "pcie.link.width.current": 16,
      },
    });
    expect(rows[1].values["temperature.memory"]).toBeNull();
    expect(rows[3].values["power.draw"]).toBeNull();
    expect(rows[6]).toMatchObject({ t_ms: T0 + 300, gpu_index: 0 });
    expect(p.issues).toHaveLength(1);
    expect(p.issues[0].line).toBe(9);
    expect(p.issues[0].message).toMatch(/truncated last line/);
  });

  it("gives the same rows whatever the chunking, including splits inside lines", () => {
    const whole = new NvidiaSmiStreamParser().push(FIXTURE);
    for (const size of [1, 3, 7, 50, 333]) {
      const p = new NvidiaSmiStreamParser();
      const got = [];
      for (let i = 0; i < FIXTURE.length; i += size) got.push(...p.push(FIXTURE.slice(i, i + size)));
      got.push(...p.end());
      expect(got).toEqual(whole);
      expect(p.issues).toHaveLength(1);
    }
  });

  it("emits a row only once its newline has arrived", () => {
    const p = new NvidiaSmiStreamParser();
    const line = "2024/05/14 10:21:07.100, 0, 10, 5, 15000, 1280, 35, [N/A], 25.10, 16";
    expect(p.push(line)).toEqual([]);
    expect(p.push("\n")).toHaveLength(1);
  });

  it("reads nounits output without a header from the query fields", () => {
    const { samples, issues } = gpuSamplesFromNvidiaSmiCsv(NOUNITS);
    expect(issues).toEqual([]);
    expect(samples.map((s) => s.values["power.draw"])).toEqual([25.1, 249.9]);
    expect(samples[1].t_ms - samples[0].t_ms).toBe(1000);
  });

  it("records a malformed line with its line and column and goes on", () => {
    const bad = FIXTURE.split("\n").slice(0, 3).join("\n") + "\n2024/05/14 10:21:07.200, 0, 87 %, lots, 1, 2, 3, 4, 5 W, 16\n";
    const p = new NvidiaSmiStreamParser();
    const rows = p.push(bad);
    expect(rows).toHaveLength(2);
    expect(p.issues).toEqual([{ line: 4, column: 4, message: expect.stringMatching(/utilization.memory.*"lots"/) }]);
  });

  it("throws DataFormatError naming file, line and column in strict mode", () => {
    const bad = "2024/05/14 10:21:07.100, 0, 10, 5, 15000, 1280, 35, [N/A], 25.10\n";
    expect(() => gpuSamplesFromNvidiaSmiCsv(bad, { source: "gpu.csv" })).toThrow(DataFormatError);
    expect(() => gpuSamplesFromNvidiaSmiCsv(bad, { source: "gpu.csv" })).toThrow(/gpu\.csv:1: expected 10 comma-separated fields \(timestamp, .*\) but found 9/);
    expect(() => gpuSamplesFromNvidiaSmiCsv("2024/05/14 xx, 0, 1, 1, 1, 1, 1, 1, 1, 1\n", { source: "g.csv" })).toThrow(/g\.csv:1:1: timestamp/);
  });

  it("needs timestamp and index among the fields", () => {
    expect(() => new NvidiaSmiStreamParser({ fields: ["power.draw"] })).toThrow(RangeError);
  });
});

describe("Supercloud GPU time-series rows", () => {
  it("writes the 10 columns: epoch seconds with ms, index, metrics with ≤ 2 decimals, empty for N/A", () => {
    const p = new NvidiaSmiStreamParser();
    const rows = p.push(FIXTURE);
    expect(supercloudGpuHeader()).toBe(
      "timestamp,gpu_index,utilization_gpu_pct,utilization_memory_pct,memory_free_MiB,memory_used_MiB,temperature_gpu,temperature_memory,power_draw_W,pcie_link_width_current",
    );
    // 1715682067.100 in UTC; the epoch seconds follow the local reading of the timestamp.
    const sec = (dMs: number) => ((T0 + dMs) / 1000).toFixed(3);
    expect(supercloudGpuRow(rows[0])).toBe(`${sec(0)},0,0,0,32510,0,41,39,38.12,16`);
    expect(supercloudGpuRow(rows[2])).toBe(`${sec(100)},0,87,41,2210,30300,55,58,231.4,16`);
    expect(supercloudGpuRow(rows[3])).toBe(`${sec(100)},1,12,3,31000,1510,44,,,16`);
  });
});

describe("energy of the recorded power", () => {
  it("integrates each GPU by trapezoids, skipping [N/A]", () => {
    const p = new NvidiaSmiStreamParser();
    const series = powerSeriesFromGpuSamples([...p.push(FIXTURE), ...p.end()], "node-1");
    expect(series.map((s) => s.device)).toEqual(["gpu0@node-1", "gpu1@node-1"]);
    // gpu0: ½(38.12+231.40)·0.1 + ½(231.40+241.40)·0.1 + ½(241.40+221.40)·0.1 = 60.256 J
    expect(seriesEnergy(series[0]).energy_j).toBeCloseTo(60.256, 9);
    // gpu1: the [N/A] at 0.2 s is skipped: ½(40+60)·0.2 = 10 J
    expect(seriesEnergy(series[1]).energy_j).toBeCloseTo(10, 9);
  });
});
