/** The `greenai` command: magics from the shell, and the kernelspec install. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../helpers/shared-data";

const BIN = path.join(REPO_ROOT, "kernel/bin/greenai.js");
const built = fs.existsSync(path.join(REPO_ROOT, "kernel/dist/cli.js"));
const suite = built ? describe : describe.skip;

function greenai(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: os.tmpdir() });
}

suite(`greenai CLI${built ? "" : " [SKIPPED: kernel/dist is not built; run npm run build]"}`, () => {
  it("runs a magic and prints JSON with --json", () => {
    const r = greenai("echo", "it's", "here", "--json");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ text: "it's here" });
  });

  it("prints the plain-text result without --json", () => {
    const r = greenai("lsmagic");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/%sleep\s+Wait SECONDS/);
  });

  it("fails with exit 2, the flag named and usage, on a bad flag", () => {
    const r = greenai("sleep", "1", "--stepp", "2");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/UsageError: unknown option "--stepp"/);
    expect(r.stderr).toMatch(/Usage: greenai sleep SECONDS/);
  });

  it("fails with exit 2 on an unknown magic", () => {
    const r = greenai("nosuch");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown magic greenai nosuch/);
  });

  it("shows help", () => {
    expect(greenai("--help").stdout).toMatch(/greenai kernel --config-path FILE/);
    expect(greenai("sleep", "--help").stdout).toMatch(/--step NUMBER/);
  });

  it("needs --config-path to start a kernel", () => {
    const r = greenai("kernel");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --config-path/);
  });

  it("writes a kernelspec with absolute paths and signal interrupts", () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-install-"));
    const r = greenai("install", "--prefix", prefix, "--name", "gtest");
    expect(r.status).toBe(0);
    const spec = JSON.parse(fs.readFileSync(path.join(prefix, "share/jupyter/kernels/gtest/kernel.json"), "utf8"));
    expect(spec.argv).toEqual([process.execPath, BIN, "kernel", "--config-path", "{connection_file}"]);
    expect(spec.interrupt_mode).toBe("signal");
    expect(spec.env).toEqual({ MALLOC_ARENA_MAX: "1" }); // one malloc arena: memory freed after large outputs goes back (install.ts)
    expect(spec.language).toBe("typescript");
    expect(path.isAbsolute(spec.argv[1])).toBe(true);
  });

  it("refuses two install scopes and the name tslab", () => {
    expect(greenai("install", "--user", "--sys-prefix").status).toBe(2);
    const r = greenai("install", "--prefix", os.tmpdir(), "--name", "tslab");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/clash with stock tslab/);
  });
});
