/**
 * Estimated power where nothing can be measured: P = idle + u · (max − idle), with u the
 * device utilisation in [0, 1]. Results built on it are always labelled as estimates. Pure.
 */
export interface DevicePowerModel {
  /** Shown in the energy source label, e.g. "generic CPU (2 cores)". */
  name: string;
  /** Power at zero utilisation, W. */
  idle_w: number;
  /** Power at full utilisation, W. */
  max_w: number;
}

/** Checks a model's numbers: 0 ≤ idle ≤ max, both finite. */
export function checkPowerModel(m: DevicePowerModel): DevicePowerModel {
  if (!(Number.isFinite(m.idle_w) && m.idle_w >= 0)) throw new RangeError(`idle_w must be a finite number ≥ 0 but got ${m.idle_w}`);
  if (!(Number.isFinite(m.max_w) && m.max_w >= m.idle_w)) throw new RangeError(`max_w must be finite and ≥ idle_w (${m.idle_w}) but got ${m.max_w}`);
  return m;
}

/** P = idle + u · (max − idle), u clamped to [0, 1], in watts. */
export function estimatePowerW(model: DevicePowerModel, utilization: number): number {
  const u = Math.min(1, Math.max(0, Number.isFinite(utilization) ? utilization : 1));
  return model.idle_w + u * (model.max_w - model.idle_w);
}

/**
 * A placeholder CPU model when the user gives none: 10 W idle plus 10 W per busy core.
 * It is a rough guess; give your CPU's own numbers with --power-model IDLE,MAX.
 */
export function defaultCpuPowerModel(cores: number): DevicePowerModel {
  const n = Math.max(1, Math.floor(cores));
  return { name: `generic CPU, ${n} core${n === 1 ? "" : "s"} (10 W idle + 10 W per busy core)`, idle_w: 10, max_w: 10 + 10 * n };
}

/** Parses "IDLE,MAX" watts (e.g. "10,65") into a model; a RangeError naming the flag otherwise. */
export function powerModelFromText(text: string, flag = "--power-model"): DevicePowerModel {
  const parts = text.split(",").map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 2 || nums.some((x) => parts.some((p) => p === "") || !Number.isFinite(x))) {
    throw new RangeError(`${flag} expects IDLE,MAX in watts (e.g. 10,65) but got ${JSON.stringify(text)}`);
  }
  if (nums[0] < 0 || nums[1] < nums[0]) throw new RangeError(`${flag} needs 0 ≤ IDLE ≤ MAX but got ${JSON.stringify(text)}`);
  return { name: `user model (${nums[0]} W idle, ${nums[1]} W busy)`, idle_w: nums[0], max_w: nums[1] };
}

/** Busy and total jiffies of the aggregate `cpu` line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** Reads the first `cpu ` line of /proc/stat text; null if absent or malformed. */
export function cpuTimesFromProcStat(text: string): CpuTimes | null {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((x) => !Number.isFinite(x))) return null;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** Utilisation in [0, 1] between two readings; null when no time passed. */
export function cpuUtilization(prev: CpuTimes, cur: CpuTimes): number | null {
  const dt = cur.total - prev.total;
  if (!(dt > 0)) return null;
  return Math.min(1, Math.max(0, (cur.busy - prev.busy) / dt));
}
