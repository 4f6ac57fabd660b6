/**
 * `greenai energy tune` restores the GPU's power limit when the process itself is signalled
 * mid-probe (SIGTERM: no one else listens, so the limit is restored and the process ends by the
 * signal; SIGINT: the CLI's interrupt stops the probe), and the job is stopped either way. Runs the built CLI (kernel/dist) with a
 * stand-in nvidia-smi on PATH that records every -pl call.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT, describeWithData } from "../helpers/shared-data";

jest.setTimeout(60_000);
const FIX = path.join(__dirname, "fixtures", "power-limit");
const CLI = path.join(REPO_ROOT, "kernel/bin/greenai.js");
const built = fs.existsSync(path.join(REPO_ROOT, "kernel/dist/cli.js"));
const maybe = built ? describeWithData : (_rel: string, name: string) => describe.skip(`${name} [SKIPPED: kernel/dist is not built (npm run build)]`, () => it("needs the build", () => undefined));

maybe("energy/zeus-nsdi23", "greenai energy tune (the built CLI): --json, and the limit comes back when the process is signalled", (zeus: string) => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s mid-probe", async (sig) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-tune-sig-"));
    try {
      const state = path.join(dir, "limit");
      const calls = path.join(dir, "calls");
      fs.writeFileSync(state, "230");
      fs.writeFileSync(calls, "");
      fs.writeFileSync(path.join(dir, "nvidia-smi"), `#!/bin/sh\nexec "${process.execPath}" "${path.join(FIX, "fake-nvidia-smi.js")}" "$@"\n`, { mode: 0o755 });
      const env = {
        ...process.env,
        PATH: `${dir}${path.delimiter}${process.env.PATH}`,
        FAKE_SMI_STATE: state,
        FAKE_SMI_CALLS: calls,
        FAKE_SMI_SWEEP: path.join(zeus, "summary_power_v100.csv"),
        FAKE_SMI_WORKLOAD: "cifar100/shufflenetv2/1024/adadelta",
        FAKE_JOB_HANG_AT: "150",
        FAKE_JOB_PIDFILE: path.join(dir, "job.pid"),
      };
      const child = spawn(process.execPath, [CLI, "energy", "tune", "--limits", "150,250", "--", process.execPath, path.join(FIX, "replay-job.js")], { env, stdio: "ignore" });
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      for (let i = 0; i < 400 && fs.readFileSync(state, "utf8") !== "150"; i++) await new Promise((r) => setTimeout(r, 50));
      expect(fs.readFileSync(state, "utf8")).toBe("150");
      for (let i = 0; i < 400 && !fs.existsSync(env.FAKE_JOB_PIDFILE); i++) await new Promise((r) => setTimeout(r, 50));
      const jobPid = Number(fs.readFileSync(env.FAKE_JOB_PIDFILE, "utf8"));
      child.kill(sig);
      const end = await ended;
      expect(fs.readFileSync(state, "utf8")).toBe("230");
      expect(fs.readFileSync(calls, "utf8").trim().split("\n").map(Number).slice(-1)).toEqual([230]);
      // the job was stopped too, not left running with no one to end it
      const running = () => {
        try {
          return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${jobPid}/stat`, "utf8")); // a zombie has ended
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 100 && running(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(running()).toBe(false);
      if (sig === "SIGTERM") expect(end.signal).toBe("SIGTERM");
      else expect(end.code).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--json follows the contract: {power_limit, probes, predicted, saved_fraction, slowdown}", () => {
    const job = [process.execPath, path.join(FIX, "replay-job.js"), "{power_limit}"];
    const r = spawnSync(process.execPath, [CLI, "energy", "tune", "--limits", "100,125,150,175,200,225,250", "--max-probes", "4", "--prior", path.join(zeus, "summary_power_p100.csv"), "--workload", "cifar100/shufflenetv2/1024/adadelta", "--json", "--", ...job], {
      env: { ...process.env, FAKE_SMI_SWEEP: path.join(zeus, "summary_power_v100.csv"), FAKE_SMI_WORKLOAD: "cifar100/shufflenetv2/1024/adadelta" },
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(Object.keys(v)).toEqual(expect.arrayContaining(["power_limit", "probes", "predicted", "saved_fraction", "slowdown"]));
    expect(v.probes).toHaveLength(4);
    expect(Object.keys(v.probes[0]).sort()).toEqual(["average_power", "power_limit", "time_per_epoch"]);
    expect(v.probes.map((p: { power_limit: number }) => p.power_limit)).toContain(v.power_limit);
    expect(v.predicted).toHaveLength(7);
  });
});
