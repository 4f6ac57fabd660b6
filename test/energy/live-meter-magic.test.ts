/** `%energy meter` (issue 14): the kernel's live meter, or why there is none. */
import { createLiveBuffer, LiveRingWriter } from "../../kernel/src/energy/live-ring";
import { LiveMeter, setKernelLiveMeter } from "../../kernel/src/energy/live-meter";
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
  });
});
