/** The PyTorch CPU demo needs Debian python3-torch and python3-sklearn; tests skip with the reason when absent. */
import { spawnSync } from "child_process";
import * as path from "path";

export const PYTHON = process.env.GREENAI_PYTHON ?? "/usr/bin/python3";
export const DIGITS = path.resolve(__dirname, "../../examples/digits_train.py");

/** Why the digits demo cannot run here, or null when it can. */
export function torchUnavailableReason(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import torch, sklearn"], { encoding: "utf8", timeout: 60_000 });
  if (r.error) return `${PYTHON} cannot run (${(r.error as NodeJS.ErrnoException).code})`;
  if (r.status !== 0) return `${PYTHON} lacks torch or sklearn (${(r.stderr || "").trim().split("\n").pop()}); install: apt-get install -y python3-torch python3-sklearn`;
  return null;
}

/** describe() when the demo can run; otherwise a skipped block that says why. */
export function describeWithTorch(name: string, fn: () => void): void {
  const why = torchUnavailableReason();
  if (why === null) describe(name, fn);
  else
    describe.skip(`${name} [SKIPPED: ${why}]`, () => {
      it("needs python3-torch", () => undefined);
    });
}
