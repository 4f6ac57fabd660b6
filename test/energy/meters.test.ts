import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EstimateMeter, NvidiaSmiMeter, openMeter } from "../../kernel/src/energy/meters";
import { cpuTimesFromProcStat, cpuUtilization, defaultCpuPowerModel, estimatePowerW, powerModelFromText } from "../../kernel/src/energy/power-model";
import { waitUntil } from "../helpers/wait";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "meters-"));

describe("power model", () => {
  it("is linear in utilisation and clamps it", () => {
    const m = { name: "m", idle_w: 10, max_w: 30 };
    expect(estimatePowerW(m, 0)).toBe(10);
    expect(estimatePowerW(m, 0.25)).toBe(15);
    expect(estimatePowerW(m, 2)).toBe(30);
    expect(estimatePowerW(m, -1)).toBe(10);
  });
  it("reads IDLE,MAX from text and rejects the rest", () => {
    expect(powerModelFromText("10,65")).toMatchObject({ idle_w: 10, max_w: 65 });
    for (const bad of ["10", "a,b", "65,10", "-1,5", "1,2,3", ",5"]) expect(() => powerModelFromText(bad)).toThrow(RangeError);
  });
  it("has a default that scales with cores", () => {
    expect(defaultCpuPowerModel(2)).toMatchObject({ idle_w: 10, max_w: 30 });
  });
  it("reads utilisation from /proc/stat deltas", () => {
    const a = cpuTimesFromProcStat("cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3 4\n")!;
    const b = cpuTimesFromProcStat("cpu  200 0 200 900 100 0 0 0 0 0\n")!;
    expect(a).toEqual({ busy: 200, total: 1000 });
    // busy +200 of total +400 (iowait counts as idle)
    expect(cpuUtilization(a, b)).toBeCloseTo(0.5, 12);
    expect(cpuUtilization(a, a)).toBeNull();
    expect(cpuTimesFromProcStat("intr 1 2 3")).toBeNull();
  });
});

describe("EstimateMeter", () => {
  it("turns /proc/stat readings into power labelled as an estimate", async () => {
    const dir = tmp();
    const stat = path.join(dir, "stat");
    fs.writeFileSync(stat, "cpu  0 0 0 1000 0 0 0 0 0 0\n");
    const m = new EstimateMeter({ procStat: stat, intervalMs: 60_000, model: { name: "test", idle_w: 10, max_w: 30 } });
    await m.start();
    fs.writeFileSync(stat, "cpu  300 0 0 1100 0 0 0 0 0 0\n"); // 75 % busy
    m.sample();
    await m.stop(); // no time passed in jiffies: no sample
    expect(m.measured).toBe(false);
    expect(m.source).toMatch(/^estimated: CPU utilisation/);
    const [s] = m.series();
    expect(s.estimated).toBe(true);
    expect(s.values).toEqual([10, 25]);
  });
  it("assumes full utilisation without /proc/stat", async () => {
    const m = new EstimateMeter({ procStat: "/nonexistent/stat", intervalMs: 60_000, model: { name: "t", idle_w: 5, max_w: 50 } });
    await m.start();
    await m.stop();
    expect(m.utilizationKnown).toBe(false);
    expect(m.series()[0].values).toEqual([50, 50]);
  });
  it("retain: false streams readings to onSample and keeps none (a meter that runs for days)", async () => {
    const seen: number[] = [];
    const m = new EstimateMeter({ procStat: "/nonexistent/stat", intervalMs: 60_000, model: { name: "t", idle_w: 5, max_w: 50 }, retain: false, onSample: (r) => seen.push(r.value!) });
    await m.start();
    await m.stop();
    expect(seen).toEqual([50, 50]);
    expect(m.series()).toEqual([]);
  });
});

/** A stand-in for nvidia-smi: checks its arguments and prints a recorded CSV in pieces. */
function fakeNvidiaSmi(dir: string, lines: string[], opts: { exitCode?: number; stderr?: string } = {}): string[] {
  const script = path.join(dir, "fake-smi.js");
  fs.writeFileSync(
    script,
    `const args = process.argv.slice(2);
if (!args.some(a => a.startsWith("--query-gpu=timestamp,index,")) || !args.includes("--format=csv,nounits") || !args.includes("-lms")) {
  console.error("bad args " + args.join(" ")); process.exit(9);
}
${opts.stderr ? `console.error(${JSON.stringify(opts.stderr)});` : ""}
${opts.exitCode !== undefined ? `process.exit(${opts.exitCode});` : ""}
const lines = ${JSON.stringify(lines)};
let i = 0;
// each line in two writes, as a pipe may deliver it; then stay alive like nvidia-smi -lms
const next = () => {
  if (i >= lines.length) return setTimeout(() => undefined, 60000);
  const l = lines[i++];
  process.stdout.write(l.slice(0, 7));
  setTimeout(() => { process.stdout.write(l.slice(7) + "\\n"); setTimeout(next, 5); }, 5);
};
next();
process.on("SIGTERM", () => { process.stdout.write("2024/05/14 10:21:0"); process.exit(0); });
`,
  );
  return [process.execPath, script];
}

describe("NvidiaSmiMeter", () => {
  const rows = [
    "timestamp, index, utilization.gpu [%], utilization.memory [%], memory.free [MiB], memory.used [MiB], temperature.gpu, temperature.memory, power.draw [W], pcie.link.width.current",
    "2024/05/14 10:21:07.100, 0, 10, 5, 15000, 1280, 35, [N/A], 100.00, 16",
    "2024/05/14 10:21:07.200, 0, 99, 60, 2000, 14280, 70, [N/A], 300.00, 16",
  ];

  it("parses the stream as it arrives and writes the Supercloud GPU file", async () => {
    const dir = tmp();
    const log = path.join(dir, "gpu.csv");
    const m = new NvidiaSmiMeter({ command: fakeNvidiaSmi(dir, rows), logFile: log, intervalMs: 100, node: "n1" });
    await m.start();
    await waitUntil(() => m.samples.length >= 2, "the fake nvidia-smi's two rows");
    await m.stop();
    expect(m.issues.filter((i) => !/truncated/.test(i.message))).toEqual([]);
    expect(m.samples).toHaveLength(2);
    const [s] = m.series();
    expect(s.device).toBe("gpu0@n1");
    expect(s.values).toEqual([100, 300]);
    const text = fs.readFileSync(log, "utf8").trim().split("\n");
    expect(text[0]).toMatch(/^timestamp,gpu_index,utilization_gpu_pct/);
    expect(text).toHaveLength(3);
    expect(text[2]).toMatch(/^\d+\.200,0,99,60,2000,14280,70,,300,16$/);
    // the line cut by SIGTERM is reported, not parsed
    expect(m.issues.some((i) => /truncated/.test(i.message))).toBe(true);
  });

  it("says why it cannot start", async () => {
    const dir = tmp();
    await expect(new NvidiaSmiMeter({ command: ["/nonexistent/nvidia-smi"] }).start()).rejects.toThrow(/not found on PATH/);
    const failing = fakeNvidiaSmi(dir, [], { exitCode: 9, stderr: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." });
    await expect(new NvidiaSmiMeter({ command: failing }).start()).rejects.toThrow(/exited \(code 9\) before printing a row: NVIDIA-SMI has failed/);
  });
});

describe("openMeter", () => {
  it("falls back to the estimate and says why the others did not start", async () => {
    const m = await openMeter({ nvidiaSmi: { command: ["/nonexistent/nvidia-smi"] }, rapl: { root: "/nonexistent/powercap" }, intervalMs: 50 });
    await m.stop();
    expect(m.kind).toBe("estimate");
    expect(m.measured).toBe(false);
    expect(m.notes.join("\n")).toMatch(/nvidia-smi meter unavailable: .*not found/);
    expect(m.notes.join("\n")).toMatch(/RAPL meter unavailable: .*ENOENT/);
    expect(m.notes.join("\n")).toMatch(/no measuring meter could start; using the estimate \(estimated: CPU/);
  });
  it("runs nvidia-smi and RAPL together when both work", async () => {
    const dir = tmp();
    const root = path.join(dir, "powercap");
    fs.mkdirSync(path.join(root, "intel-rapl:0"), { recursive: true });
    fs.writeFileSync(path.join(root, "intel-rapl:0", "name"), "package-0\n");
    fs.writeFileSync(path.join(root, "intel-rapl:0", "energy_uj"), "123\n");
    const m = await openMeter({ meter: "auto", nvidiaSmi: { command: fakeNvidiaSmi(dir, [
      "2024/05/14 10:21:07.100, 0, 10, 5, 15000, 1280, 35, [N/A], 100.00, 16",
    ]) }, rapl: { root }, intervalMs: 50 });
    await m.stop();
    expect(m.meters.map((x) => x.kind)).toEqual(["nvidia-smi", "rapl"]);
    expect(m.measured).toBe(true);
    expect(m.series().map((s) => s.device).sort()).toEqual(["gpu0", "rapl:package-0"]);
    expect(m.notes).toEqual([]);
  });
});
