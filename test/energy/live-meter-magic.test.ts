/** `%energy meter` (issue 14): the kernel's live meter, or why there is none. */
import { createLiveBuffer, LiveRingWriter } from "../../kernel/src/energy/live-ring";
import { cellOutputFromEnv, LiveMeter, setKernelLiveMeter } from "../../kernel/src/energy/live-meter";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { meterCommandSpec, type EnergyMeterState } from "../../kernel/src/magics/energy-meter";
import type { MagicResult } from "../../kernel/src/magics/types";
import { fakeMagicContext } from "../helpers/magic-context";

const registry = new MagicRegistry([{ name: "energy", summary: "energy", commands: [meterCommandSpec] }]);

async function run(line: string): Promise<MagicResult> {
  const out = await dispatchMagic(registry, line, fakeMagicContext());
  if (out.kind !== "result") throw new Error(`expected a result, got ${out.kind}`);
  return out.result;
}

afterEach(() => setKernelLiveMeter(undefined));

describe("%energy meter", () => {
  it("says why there is no meter outside the kernel", async () => {
    const r = await run("energy meter");
    expect(r.value).toEqual({ running: false, reason: expect.stringMatching(/no live energy meter in this process/) });
  });

  it("shows source, interval, power now, total, idle and the session's cells", async () => {
    const sab = createLiveBuffer({ capacity: 64, stateBytes: 1024 });
    const w = new LiveRingWriter(sab);
    w.setState({ status: "running", kind: "estimate", measured: false, source: "estimated: CPU utilisation × model", devices: [{ name: "cpu", kind: "power", estimated: true }] });
    const m = new LiveMeter({ meter: "auto", intervalMs: 500 }, { sab, nowMs: 0 });
    for (let t = 0; t <= 4000; t += 500) w.push({ t_ms: t, device: 0, value: 20, counter: false, estimated: true });
    m.endCell(1000, 2000, { cellId: "abc", executionCount: 1 }); // 20 J
    m.endCell(2500, 3000, { executionCount: 2 }); // 10 J
    setKernelLiveMeter(m);
    const r = await run("energy meter --cells 1");
    const v = r.value as EnergyMeterState;
    expect(v).toMatchObject({ running: true, source: "estimate", estimate: true, interval_ms: 500, power_w: 20, total_j: 80, idle_j: 50 });
    expect(v.cells).toEqual([{ cell: "#2", execution_count: 2, started: new Date(2500).toISOString(), seconds: 0.5, joules: 10, final: true }]);
    expect(r.text).toMatch(/^live meter \(estimate, an estimate\) every 500 ms: 20 W now; 80 J since 1970-01-01T00:00:00.000Z \(50 J idle, 30 J in 2 cells\)/);
    expect(r.text).toMatch(/devices: cpu 20 W/);
    const none = (await run("energy meter --cells 0")).value as EnergyMeterState;
    expect(none.cells).toEqual([]);
  });

  it("has help that names the environment variables and the comm pause", async () => {
    const out = await dispatchMagic(registry, "energy meter --help", fakeMagicContext());
    const text = JSON.stringify(out);
    expect(text).toMatch(/GREENAI_ENERGY_METER=off/);
    expect(text).toMatch(/blocks the event loop/);
    expect(text).toMatch(/--cells N/);
    expect(text).toMatch(/--cell-output on\|off/);
    expect(text).toMatch(/GREENAI_CELL_ENERGY_OUTPUT=1/);
    expect(text).toMatch(/nbconvert/);
  });
});

describe("%energy meter --cell-output (issue 14: each cell's energy as an output)", () => {
  const meter = () => new LiveMeter({ meter: "auto", intervalMs: 500 }, { sab: createLiveBuffer({ capacity: 8, stateBytes: 256 }), nowMs: 0 });

  it("turns the session's cell output on and off, saying so in one line", async () => {
    const m = meter();
    setKernelLiveMeter(m);
    expect(m.cellOutput).toBe(false);
    const on = await run("energy meter --cell-output on");
    expect(m.cellOutput).toBe(true);
    expect(on.value).toMatchObject({ cell_output: true });
    expect(on.text).toMatch(/^energy output after each cell: on for this session/);
    expect(on.text.split("\n")).toHaveLength(1);
    // the state says it too
    expect(((await run("energy meter")).value as EnergyMeterState).cell_output).toBe(true);
    expect((await run("energy meter")).text).toMatch(/energy output after each cell: on/);
    await run("energy meter --cell-output off");
    expect(m.cellOutput).toBe(false);
  });

  it("rejects a bad value naming the choices, and 'on' without a meter", async () => {
    setKernelLiveMeter(meter());
    await expect(dispatchMagic(registry, "energy meter --cell-output yes", fakeMagicContext())).rejects.toThrow(/--cell-output.*one of on, off/);
    setKernelLiveMeter(undefined);
    await expect(dispatchMagic(registry, "energy meter --cell-output on", fakeMagicContext())).rejects.toThrow(/needs the kernel's energy meter.*GREENAI_ENERGY_METER=off/);
  });

  it("shows why GREENAI_CELL_ENERGY_OUTPUT was not understood", async () => {
    const m = meter();
    m.cellOutputProblem = cellOutputFromEnv({ GREENAI_CELL_ENERGY_OUTPUT: "maybe" }).problem;
    setKernelLiveMeter(m);
    expect(((await run("energy meter")).value as EnergyMeterState).notes).toContainEqual(expect.stringMatching(/GREENAI_CELL_ENERGY_OUTPUT=maybe is not 1 or 0/));
  });
});

describe("cellOutputFromEnv (GREENAI_CELL_ENERGY_OUTPUT)", () => {
  it.each([
    [undefined, false],
    ["", false],
    ["0", false],
    ["off", false],
    ["1", true],
    ["on", true],
    [" TRUE ", true],
    ["yes", true],
  ])("%p → %p", (v, on) => expect(cellOutputFromEnv(v === undefined ? {} : { GREENAI_CELL_ENERGY_OUTPUT: v })).toEqual({ on }));

  it("a bad value leaves it off and says what to set", () => {
    const r = cellOutputFromEnv({ GREENAI_CELL_ENERGY_OUTPUT: "2" });
    expect(r.on).toBe(false);
    expect(r.problem).toMatch(/GREENAI_CELL_ENERGY_OUTPUT=2 is not 1 or 0.*set it to 1, or run %energy meter --cell-output on/);
  });
});
