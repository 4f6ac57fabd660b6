/**
 * The live energy meter over the real Jupyter protocol (issue 14), with a stand-in nvidia-smi
 * that plays the Zeus V100 sweep at a 250 W limit (power.draw 187.69 W), named by
 * GREENAI_NVIDIA_SMI: execute_reply metadata `greenai_energy` with the cell id echoed, the
 * `greenai.energy` comm (first message with history, then about every 2 s, a gap while a cell
 * blocks the event loop, none after comm_close), unknown targets closed, GREENAI_ENERGY_METER=off,
 * and no meter process outliving the kernel (shutdown and SIGKILL). The opt-in cell-energy output:
 * absent by default, one display_data before idle and the reply once `%energy meter --cell-output on`
 * ran (or with GREENAI_CELL_ENERGY_OUTPUT=1), its HTML escaped for a hostile RAPL zone name.
 */
import { spawn } from "child_process";
import { MIME_CELL_ENERGY } from "greenai-common";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isAlive } from "../../kernel/src/trials/proc";
import { freePort } from "../helpers/free-port";
import { installKernelSpec, kernelTestsUnavailable, PYTHON } from "../helpers/kernel-session";
import { REPO_ROOT, sharedData, SHARED_DATA } from "../helpers/shared-data";
import { waitUntil } from "../helpers/wait";
import { describeProcs, processesWithEnv, waitNone } from "../stop/procs";

const FAKE_SMI = path.join(REPO_ROOT, "test/energy/fixtures/power-limit/fake-nvidia-smi.js");
const SWEEP = sharedData("energy/zeus-nsdi23/summary_power_v100.csv");
/** power.draw of cifar100/shufflenetv2/1024/adadelta at 250 W in that sweep. */
const WATTS = 187.68996594563717;
const MARK = "GREENAI_TEST_METER_MARK";

const why = kernelTestsUnavailable() ?? (SWEEP ? undefined : `${path.join(SHARED_DATA, "energy/zeus-nsdi23")} is absent; see ../shared/data/README.md`);
const suite = why ? describe.skip : describe;
if (why) console.warn(`SKIPPED energy protocol tests: ${why}`);

/** Environment for a kernel metered by the stand-in; `mark` tags every process it starts. */
function meterEnv(dir: string, mark: string): NodeJS.ProcessEnv {
  const state = path.join(dir, "limit");
  fs.writeFileSync(state, "250");
  const smi = path.join(dir, "nvidia-smi");
  fs.writeFileSync(smi, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_SMI}" "$@"\n`, { mode: 0o755 });
  return {
    ...process.env,
    GREENAI_ENERGY_METER: "nvidia-smi",
    GREENAI_NVIDIA_SMI: smi,
    FAKE_SMI_STATE: state,
    FAKE_SMI_CALLS: path.join(dir, "calls"),
    FAKE_SMI_SWEEP: SWEEP,
    FAKE_SMI_WORKLOAD: "cifar100/shufflenetv2/1024/adadelta",
    GREENAI_CELL_ENERGY_OUTPUT: "", // the default (off), whatever the developer's shell has
    [MARK]: mark,
  };
}

function runScenario(mode: "on" | "off" | "output" | "output-env", env: NodeJS.ProcessEnv): Promise<any> {
  const { jupyterPath } = installKernelSpec("greenai-energy-test");
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-energy-nb-"));
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, [path.join(__dirname, "energy_protocol.py"), "greenai-energy-test", cwd, mode], { env: { ...env, JUPYTER_PATH: jupyterPath, PYTHONUNBUFFERED: "1" } });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`energy_protocol.py ${mode} exited ${code}: ${out.slice(-1000)}\n${err.slice(-3000)}`));
      }
    });
  });
}

type IopubLog = { msg_type: string; date: string; content: any }[];
type CellRun = { iopub: IopubLog; reply: { status: string; metadata: any; date: string } };

/** The cell-energy outputs (display_data with the vendor type) among a cell's iopub messages. */
const energyOutputs = (c: CellRun) => c.iopub.filter((m) => m.msg_type === "display_data" && MIME_CELL_ENERGY in m.content.data);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

suite(`live energy protocol${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "energy-protocol-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("meter on (stand-in nvidia-smi)", () => {
    let r: any;
    const mark = randomUUID();
    beforeAll(async () => {
      r = await runScenario("on", meterEnv(dir, mark));
    }, 120_000);

    it("puts greenai_energy in every execute_reply's metadata, with the cell id echoed", () => {
      for (const [key, cell] of [["small", "cell-a"], ["sleep", "cell-b"], ["small2", "cell-c"], ["busy", "cell-busy"]]) {
        const e = r[key].metadata.greenai_energy;
        expect(r[key].status).toBe("ok");
        expect(e).toEqual({
          joules: expect.any(Number),
          seconds: expect.any(Number),
          average_w: expect.any(Number),
          source: "nvidia-smi",
          estimate: false,
          devices: ["gpu0"],
          started: expect.stringMatching(ISO),
          cell_id: cell,
          carbon_g: expect.any(Number),
          carbon_basis: expect.stringMatching(/g\/kWh, WORLD \d{4} average, no region set$/),
        });
        expect(e.carbon_g).toBeCloseTo((e.joules / 3.6e6) * Number(/^[\d.]+/.exec(e.carbon_basis)![0]), 1);
        // the cell started after the request was sent and before its reply came
        const started = Date.parse(e.started) / 1000;
        expect(started).toBeGreaterThanOrEqual(r[key].sent - 0.05);
        expect(started + e.seconds).toBeLessThanOrEqual(r[key].replied + 0.05);
      }
    });

    it("meters a %sleep 2 cell at the stand-in's power, and above a 1+1 cell", () => {
      const sleep = r.sleep.metadata.greenai_energy;
      const small = r.small2.metadata.greenai_energy;
      expect(sleep.seconds).toBeGreaterThanOrEqual(2);
      expect(sleep.seconds).toBeLessThan(5);
      expect(sleep.joules).toBeCloseTo(WATTS * sleep.seconds, 0);
      expect(sleep.average_w).toBeCloseTo(WATTS, 1);
      expect(small.seconds).toBeLessThan(1);
      expect(sleep.joules).toBeGreaterThan(small.joules + 300);
    });

    it("meters a cell that blocks the event loop for 3 s in full", () => {
      const busy = r.busy.metadata.greenai_energy;
      expect(busy.seconds).toBeGreaterThanOrEqual(3);
      expect(busy.joules).toBeCloseTo(WATTS * busy.seconds, 0);
    });

    it("lists the open greenai.energy comm in comm_info_reply", () => {
      expect(r.comm_info_before).toEqual({ msg_type: "comm_info_reply", content: { status: "ok", comms: {} } });
      expect(r.comm_info_open.content.comms).toEqual({ [r.energy_comm_id]: { target_name: "greenai.energy" } });
    });

    it("sends the meter's state on the comm: history first, then about every 2 s", () => {
      const msgs = r.comms.filter((m: any) => m.msg_type === "comm_msg" && m.comm_id === r.energy_comm_id);
      expect(msgs.length).toBeGreaterThanOrEqual(3);
      const first = msgs[0].data;
      expect(first).toEqual({
        t: expect.any(Number),
        power_w: expect.closeTo(WATTS, 1),
        total_j: expect.any(Number),
        since: expect.stringMatching(ISO),
        source: "nvidia-smi",
        estimate: false,
        devices: [{ name: "gpu0", power_w: expect.closeTo(WATTS, 1) }],
        history: expect.any(Array),
        carbon_g: expect.any(Number),
        carbon_basis: expect.any(String),
      });
      expect(first.history.length).toBeGreaterThan(0);
      expect(first.history.length).toBeLessThanOrEqual(300);
      for (const [t, w] of first.history) {
        expect(t).toBeLessThanOrEqual(first.t);
        expect(w).toBeCloseTo(WATTS, 0);
      }
      expect(msgs.slice(1).every((m: any) => !("history" in m.data))).toBe(true);
      // the kernel's total holds the cells run before the comm opened (plus idle), and counts up
      const cellsJ = ["small", "sleep", "small2"].reduce((a, k) => a + r[k].metadata.greenai_energy.joules, 0);
      expect(first.total_j).toBeGreaterThan(cellsJ);
      expect(first.total_j).toBeGreaterThan(WATTS * 2);
      for (let i = 1; i < msgs.length; i++) expect(msgs[i].data.total_j).toBeGreaterThanOrEqual(msgs[i - 1].data.total_j);
      // periodic: between the comm_open and the busy cell, ~2 s apart
      const before = msgs.filter((m: any) => m.t < r.busy.sent);
      for (let i = 1; i < before.length; i++) expect(before[i].t - before[i - 1].t).toBeGreaterThan(1.5);
    });

    it("pauses the comm while a cell blocks the event loop and resumes after it", () => {
      const msgs = r.comms.filter((m: any) => m.msg_type === "comm_msg" && m.comm_id === r.energy_comm_id);
      const during = msgs.filter((m: any) => m.t > r.busy.sent + 0.3 && m.t < r.busy.replied - 0.3);
      expect(during).toEqual([]);
      expect(msgs.filter((m: any) => m.t > r.busy.replied && m.t < r.closed_at).length).toBeGreaterThanOrEqual(1);
    });

    it("stops on comm_close, and closes a comm to an unknown target at once", () => {
      const after = r.comms.filter((m: any) => m.comm_id === r.energy_comm_id && m.t > r.closed_at + 0.3);
      expect(after).toEqual([]);
      const bogus = r.comms.find((m: any) => m.comm_id === "bogus");
      expect(bogus).toMatchObject({ msg_type: "comm_close", data: { error: expect.stringMatching(/no comm target "no.such.target"/) } });
    });

    it("leaves no meter process behind after shutdown", async () => {
      const left = await waitNone(() => processesWithEnv(MARK, mark), 5000);
      expect(describeProcs(left)).toBe("");
    });
  });

  describe("meter off (GREENAI_ENERGY_METER=off)", () => {
    let r: any;
    beforeAll(async () => {
      r = await runScenario("off", { ...meterEnv(dir, randomUUID()), GREENAI_ENERGY_METER: "off" });
    }, 120_000);

    it("sends no greenai_energy metadata and refuses the comm, saying why", () => {
      expect(r.small.status).toBe("ok");
      expect(r.small.metadata.greenai_energy).toBeUndefined();
      const close = r.comms.find((m: any) => m.comm_id === r.energy_comm_id);
      expect(close).toMatchObject({ msg_type: "comm_close", data: { error: expect.stringMatching(/energy meter is off/) } });
    });
  });

  describe("cell-energy output: off by default, %energy meter --cell-output on|off", () => {
    let r: Record<string, CellRun>;
    beforeAll(async () => {
      r = await runScenario("output", meterEnv(dir, randomUUID()));
    }, 120_000);

    it("sends none by default, nor after --cell-output off; the reply metadata has the energy either way", () => {
      for (const key of ["o-default", "o-off"]) {
        expect(r[key].reply.metadata.greenai_energy).toMatchObject({ source: "nvidia-smi", cell_id: key });
        expect(energyOutputs(r[key])).toEqual([]);
      }
    });

    it("once on, sends one display_data per cell, after execute_input and before idle and the reply", () => {
      // the setting is read when a cell ends: the cell that turns it on gets one, the one that turns it off none
      for (const key of ["o-magic-on", "o-on"]) expect(energyOutputs(r[key])).toHaveLength(1);
      expect(energyOutputs(r["o-magic-off"])).toEqual([]);
      const cell = r["o-on"];
      const types = cell.iopub.map((m) => m.msg_type);
      const at = cell.iopub.findIndex((m) => m.msg_type === "display_data" && MIME_CELL_ENERGY in m.content.data);
      expect(types.indexOf("execute_input")).toBeLessThan(at);
      expect(types[types.length - 1]).toBe("status"); // idle comes last, after the output
      expect(at).toBe(types.length - 2);
      expect(Date.parse(cell.iopub[at].date)).toBeLessThanOrEqual(Date.parse(cell.reply.date));
    });

    it("carries the reply's record, an HTML table and the one-line text", () => {
      const cell = r["o-on"];
      const data = energyOutputs(cell)[0].content.data;
      expect(data[MIME_CELL_ENERGY]).toEqual(cell.reply.metadata.greenai_energy);
      expect(data["text/html"]).toMatch(/^<table class="greenai-table"><caption>greenai: energy of this cell<\/caption>/);
      expect(data["text/html"]).toContain("<td>nvidia-smi</td><td>gpu0</td>");
      expect(data["text/html"]).not.toMatch(/<script/i);
      expect(data["text/plain"]).toMatch(/^[\d.]+ k?J · [\d.]+ s · [\d.]+ k?W avg · [\d.]+ k?g CO₂e \(gpu0, nvidia-smi\)$/);
    });
  });

  describe("cell-energy output from GREENAI_CELL_ENERGY_OUTPUT=1, with a hostile RAPL zone name", () => {
    const hostile = `package-0<img src=x onerror="alert(1)">`;
    let r: Record<string, CellRun>;
    beforeAll(async () => {
      const root = path.join(dir, "powercap");
      const zone = path.join(root, "intel-rapl:0");
      fs.mkdirSync(zone, { recursive: true });
      fs.writeFileSync(path.join(zone, "name"), `${hostile}\n`);
      fs.writeFileSync(path.join(zone, "energy_uj"), "1000000\n");
      fs.writeFileSync(path.join(zone, "max_energy_range_uj"), "262143328850\n");
      const env = { ...meterEnv(dir, randomUUID()), GREENAI_ENERGY_METER: "rapl", GREENAI_RAPL_ROOT: root, GREENAI_CELL_ENERGY_OUTPUT: "1" };
      r = await runScenario("output-env", env);
    }, 120_000);

    it("sends the output for the first cell, with the device name escaped in the HTML", () => {
      const [o] = energyOutputs(r["o-default"]);
      expect(o).toBeDefined();
      const data = o.content.data;
      expect(data[MIME_CELL_ENERGY].devices).toEqual([`rapl:${hostile}`]);
      expect(data["text/html"]).not.toContain("<img");
      expect(data["text/html"]).toContain(`<td>rapl:package-0&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</td>`);
    });
  });

  it("ends the meter's nvidia-smi when the kernel is SIGKILLed", async () => {
    const mark = randomUUID();
    const ports: number[] = [];
    for (let i = 0; i < 5; i++) ports.push(await freePort());
    const [shell_port, iopub_port, stdin_port, control_port, hb_port] = ports;
    const conn = path.join(dir, "kernel-kill.json");
    fs.writeFileSync(conn, JSON.stringify({ shell_port, iopub_port, stdin_port, control_port, hb_port, ip: "127.0.0.1", key: "k", transport: "tcp", signature_scheme: "hmac-sha256" }));
    const k = spawn(process.execPath, [path.join(REPO_ROOT, "kernel/bin/greenai.js"), "kernel", "--config-path", conn], { cwd: dir, env: meterEnv(dir, mark), stdio: ["ignore", "ignore", "pipe"] });
    try {
      // the kernel and the stand-in nvidia-smi it streams from
      await waitUntil(() => processesWithEnv(MARK, mark).length >= 2, "the kernel's nvidia-smi stream", 30_000, 100);
      const smi = processesWithEnv(MARK, mark).filter((p) => p.pid !== k.pid);
      expect(smi.length).toBeGreaterThanOrEqual(1);
      k.kill("SIGKILL");
      const left = await waitNone(() => processesWithEnv(MARK, mark), 5000);
      expect(describeProcs(left)).toBe("");
    } finally {
      if (k.pid && isAlive(k.pid)) k.kill("SIGKILL");
      for (const p of processesWithEnv(MARK, mark)) process.kill(p.pid, "SIGKILL");
    }
  }, 60_000);
});
