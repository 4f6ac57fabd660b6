/** The dispatcher is the one place where a core's RangeError becomes a UsageError with usage. */
import { DataFormatError, UsageError } from "../../kernel/src/errors";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import type { Magic } from "../../kernel/src/magics/types";
import { fakeMagicContext } from "../helpers/magic-context";

function failing(err: Error): Magic {
  return {
    name: "boom",
    summary: "throws",
    commands: [
      {
        spec: { name: "boom", summary: "Throws what it is given.", flags: [{ name: "n", type: "int", default: 1, help: "a number" }] },
        run: async () => {
          throw err;
        },
      },
    ],
  };
}

describe("dispatchMagic error translation", () => {
  it("turns a RangeError from a command into a UsageError carrying the command's usage", async () => {
    const registry = new MagicRegistry([failing(new RangeError("budget must be in (0, 1] but got 2"))]);
    const p = dispatchMagic(registry, "boom --n 3", fakeMagicContext());
    await expect(p).rejects.toBeInstanceOf(UsageError);
    const err = (await p.catch((e) => e)) as UsageError;
    expect(err.message).toBe("budget must be in (0, 1] but got 2");
    expect(err.usage).toMatch(/^Usage: %boom/m);
    expect(err.usage).toMatch(/--n/);
  });

  it("uses the caller's prefix in the usage (the CLI's `greenai `)", async () => {
    const registry = new MagicRegistry([failing(new RangeError("bad"))]);
    const err = (await dispatchMagic(registry, "boom", fakeMagicContext(), "greenai ").catch((e) => e)) as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.usage).toMatch(/^Usage: greenai boom/m);
  });

  it("passes other errors through unchanged", async () => {
    const dfe = new DataFormatError("x.csv:3:1: bad row");
    await expect(dispatchMagic(new MagicRegistry([failing(dfe)]), "boom", fakeMagicContext())).rejects.toBe(dfe);
    const te = new TypeError("a bug");
    await expect(dispatchMagic(new MagicRegistry([failing(te)]), "boom", fakeMagicContext())).rejects.toBe(te);
  });

  it("passes the engine's own RangeErrors through (they are bugs or limits, not usage)", async () => {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    const engine: RangeError[] = [];
    for (const f of [() => recurse(0), () => new Array(-1), () => "x".repeat(2 ** 30)]) {
      try {
        f();
      } catch (e) {
        engine.push(e as RangeError);
      }
    }
    expect(engine.map((e) => e.constructor)).toEqual([RangeError, RangeError, RangeError]);
    for (const e of engine) await expect(dispatchMagic(new MagicRegistry([failing(e)]), "boom", fakeMagicContext())).rejects.toBe(e);
  });
});
