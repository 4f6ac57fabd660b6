import { measureCommand } from "../../kernel/src/energy/measure";

describe("measureCommand", () => {
  it("keeps stdout and stderr lines apart when a line arrives in pieces", async () => {
    // stdout writes half a line, stderr a whole one, then stdout finishes its line
    const script =
      "process.stdout.write('out-a'); setTimeout(() => { process.stderr.write('err line\\n');" +
      " setTimeout(() => process.stdout.write('-b\\nlast'), 100); }, 100);";
    const lines: string[] = [];
    const m = await measureCommand([process.execPath, "-e", script], {
      meter: "estimate",
      intervalMs: 50,
      onOutput: (l) => lines.push(l),
    });
    expect(m.exit_code).toBe(0);
    expect(lines.sort()).toEqual(["err line", "last", "out-a-b"]);
  });
});
