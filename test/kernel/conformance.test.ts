/** Runs Debian's jupyter_kernel_test suite against the installed kernelspec. */
import { spawnSync } from "child_process";
import * as path from "path";
import { installKernelSpec, kernelTestsUnavailable, PYTHON } from "../helpers/kernel-session";

function unavailable(): string | undefined {
  const why = kernelTestsUnavailable();
  if (why) return why;
  const r = spawnSync(PYTHON, ["-c", "import jupyter_kernel_test"], { encoding: "utf8" });
  return r.status === 0 ? undefined : "jupyter_kernel_test is missing (apt-get install python3-jupyter-kernel-test)";
}

const why = unavailable();
const maybe = why ? it.skip : it;

maybe(`passes jupyter_kernel_test${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  const { jupyterPath } = installKernelSpec("greenai-conformance");
  const r = spawnSync(PYTHON, [path.join(__dirname, "conformance.py"), "-v"], {
    cwd: path.dirname(jupyterPath),
    env: { ...process.env, JUPYTER_PATH: jupyterPath, GREENAI_KERNEL_NAME: "greenai-conformance" },
    encoding: "utf8",
    timeout: 180000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  console.log(out.split("\n").filter((l) => / \.\.\. |^Ran |^OK|^FAILED/.test(l)).join("\n"));
  expect(out).toMatch(/^OK/m);
  // Every claimed feature ran rather than skipped.
  for (const t of ["test_execute_stdout", "test_execute_stderr", "test_error", "test_display_data", "test_completion", "test_inspect", "test_is_complete", "test_kernel_info"]) {
    expect(out).toMatch(new RegExp(`${t} .* \\.\\.\\. ok`));
  }
}, 240000);
