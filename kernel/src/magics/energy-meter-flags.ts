/** The meter flags shared by `%energy measure`, `%energy tune` and `%tpe run`, and the meter options they give. */
import * as path from "path";
import type { MeterChoice } from "../energy/meters";
import { powerModelFromText } from "../energy/power-model";
import type { FlagSpec } from "./options";
import type { MagicContext } from "./types";

export const METER_FLAGS: readonly FlagSpec[] = [
  { name: "meter", type: "string", default: "auto", choices: ["auto", "nvidia-smi", "rapl", "estimate"], help: "energy meter: auto uses nvidia-smi and RAPL where they work, else the estimate" },
  { name: "interval-ms", type: "int", default: 200, min: 10, max: 60000, metavar: "MS", help: "sampling period in milliseconds" },
  { name: "power-model", type: "string", metavar: "IDLE,MAX", help: "CPU power model for the estimate, watts idle and busy (default 10 W + 10 W per core)" },
  { name: "rapl-root", type: "string", metavar: "DIR", help: "powercap sysfs folder (default /sys/class/powercap)" },
];

/** Meter options from the shared meter flags. */
export function meterOptionsFromFlags(flags: Record<string, unknown>, ctx: MagicContext) {
  const model = flags["power-model"] as string | undefined;
  const root = flags["rapl-root"] as string | undefined;
  return {
    meter: flags.meter as MeterChoice,
    intervalMs: flags["interval-ms"] as number,
    ...(model ? { estimate: { model: powerModelFromText(model) } } : {}),
    ...(root ? { rapl: { root: path.resolve(ctx.cwd, root) } } : {}),
  };
}
