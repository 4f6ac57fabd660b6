/**
 * Timestamps of power logs, to milliseconds since the Unix epoch. Pure (reads the process's
 * time zone).
 *
 * Time-zone rule, the same for every reader: a date-time without a zone (nvidia-smi's
 * `YYYY/MM/DD HH:MM:SS.mmm`, or ISO 8601 without `Z`/offset) is local time of this process
 * (its TZ setting). Why local: nvidia-smi prints the local wall clock of the machine it runs
 * on, and the meter, the Slurm jobs' own logs and the trial intervals they are matched with
 * are all read on that machine or its cluster, so local time gives the true instants; for a
 * recorded log only differences matter. When clocks go forward local time keeps them right
 * (reading as UTC would add an hour there); when clocks go back it cannot: a zone-less stamp
 * does not say which pass of the repeated hour it is, so both passes map to the same instants
 * (the first pass's), and a log that spans that hour overlaps itself. Logs stamped with a zone,
 * or recorded with TZ=UTC, avoid this. A log recorded in another zone can be read with TZ set
 * to that zone. A `Z` or `±HH:MM` suffix is honoured.
 * Plain numbers (Supercloud files, `timestamp,power` logs) are epoch seconds, zone-free.
 * Every instant is a whole millisecond, rounded half up from the 4th decimal of the seconds,
 * as the Supercloud loader (datasets/columns.ts parseEpochMs) reads them.
 */

const DATE_TIME = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

// Local offset of the last hour looked up: logs are in time order, so one entry hits nearly
// always, and a zone lookup per row costs about as much as the rest of a row's parse.
let cachedHour = NaN;
let cachedOffsetMs = 0;

/** UTC minus local wall-clock time at local hour (y, mo, d, h): what to add to read that hour as UTC. */
function localOffsetMs(y: number, mo: number, d: number, h: number): number {
  const key = ((y * 13 + mo) * 32 + d) * 24 + h;
  if (key !== cachedHour) {
    // Transitions happen on the hour, so one offset holds for the whole local hour.
    cachedOffsetMs = new Date(y, mo - 1, d, h).getTime() - Date.UTC(y, mo - 1, d, h);
    cachedHour = key;
  }
  return cachedOffsetMs;
}

/**
 * A date-time (`YYYY/MM/DD HH:MM:SS(.f)`, or ISO 8601 `YYYY-MM-DDTHH:MM:SS(.f)(Z|±HH:MM)`) in ms
 * since the epoch; without a zone it is local time (see the rule above). null when not a date-time.
 */
export function dateTimeMs(text: string): number | null {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return null;
  const y = +m[1];
  const mo = +m[2];
  const d = +m[3];
  const h = +m[4];
  const mi = +m[5];
  const s = +m[6];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s) + fractionMs(m[7] ?? "");
  const zone = m[8];
  if (zone === undefined) return utc + localOffsetMs(y, mo, d, h);
  if (zone === "Z") return utc;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return utc - sign * (Number(digits.slice(0, 2)) * 3600_000 + Number(digits.slice(2)) * 60_000);
}

/** Whole milliseconds of the digits after a seconds' decimal point (exact, no float product). */
function fractionMs(digits: string): number {
  return Number(digits.slice(0, 3).padEnd(3, "0")) + (digits.length > 3 && digits[3] >= "5" ? 1 : 0);
}

const EPOCH_SECONDS = /^([+-]?)(\d+)(?:\.(\d*))?$/;
const EXPONENT = /^[+-]?\d+(\.\d+)?[eE][+-]?\d+$/;

/** A log timestamp in ms since the epoch: a date-time (see dateTimeMs) or epoch seconds; NaN when neither. */
export function timestampMs(text: string): number {
  const dt = dateTimeMs(text);
  if (dt !== null) return dt;
  const t = text.trim();
  const m = EPOCH_SECONDS.exec(t);
  if (m) {
    const ms = Number(m[2]) * 1000 + fractionMs(m[3] ?? "");
    return m[1] === "-" ? -ms : ms;
  }
  return EXPONENT.test(t) ? Math.round(Number(t) * 1000) : NaN;
}
