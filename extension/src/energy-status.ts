/**
 * The status-bar energy item (issue 14): live power and the kernel's total energy since it
 * started, "⚡ 287 W · 1.9 kWh (nvidia-smi)", from the greenai kernel's `greenai.energy` comm
 * (a reading about every 2 s while its event loop is free). "busy…" with the age of the last
 * reading when none came for 5 s; "no meter" for kernels without one. Clicking it opens a popup
 * with a sparkline of the last minutes of power per device and the notebook's per-cell totals.
 * Colours come from JupyterLab's CSS variables only, so it follows the theme.
 */
import type { Kernel, KernelMessage } from "@jupyterlab/services";
import { Widget } from "@lumino/widgets";
import { isNum, isObj, type LiveSnapshot } from "greenai-common";
import { carbonText, cellEnergyText, durationText, energySourceLabel, energyText, kwhText, powerText, type CellEnergy } from "./figures/format";

/** The comm target the greenai kernel registers (the protocol). */
export const ENERGY_COMM_TARGET = "greenai.energy";
/** With no reading for this long, the item says "busy…" (the kernel cannot send during a synchronous cell). */
export const STALE_MS = 5000;
/** With no reading at all this long after the comm opened, the kernel has no meter. */
export const NO_METER_MS = 6000;
/** How much power history is kept, and shown in the sparkline. */
export const HISTORY_MS = 10 * 60_000;


/**
 * One comm message of the kernel's meter: greenai-common's wire type, read leniently (any source
 * label is shown as sent) and with the first message's history.
 */
export interface EnergyTick extends Omit<LiveSnapshot, "source" | "carbon_basis"> {
  source: string;
  /** Only in the first message: earlier [t_ms, power_w] readings. */
  history?: [number, number][];
}

/** Reads a comm message's data; null when malformed (never throws). */
export function parseEnergyTick(x: unknown): EnergyTick | null {
  if (!isObj(x)) return null;
  const { t, power_w, total_j, since, source, estimate, devices, history, carbon_g } = x;
  if (!isNum(t) || !isNum(power_w) || !isNum(total_j) || typeof source !== "string") return null;
  const devs = Array.isArray(devices) ? devices.filter((d): d is { name: string; power_w: number } => isObj(d) && typeof d.name === "string" && isNum(d.power_w)) : [];
  const tick: EnergyTick = {
    t,
    power_w,
    total_j,
    since: typeof since === "string" ? since : "",
    source,
    estimate: estimate === true || source === "estimate",
    devices: devs.map((d) => ({ name: d.name, power_w: d.power_w })),
  };
  if (Array.isArray(history)) tick.history = history.filter((p): p is [number, number] => Array.isArray(p) && isNum(p[0]) && isNum(p[1])).map((p) => [p[0], p[1]]);
  if (isNum(carbon_g)) tick.carbon_g = carbon_g;
  return tick;
}

/** A named power series: [t_ms, W] points in time order. */
export interface PowerSeries {
  name: string;
  points: [number, number][];
}

/** The readings of one kernel's meter: the last one, and the last minutes of power (total and per device). */
export class EnergyFeed {
  /** The last reading, and when it arrived (local clock). */
  last: EnergyTick | null = null;
  lastAtMs = 0;
  /** When the comm was (re)opened, local clock; null while none is open. */
  openedAtMs: number | null = null;
  /** Set when the kernel closed the comm or cannot open one: it has no meter. */
  noMeter = false;
  readonly total: [number, number][] = [];
  readonly devices = new Map<string, [number, number][]>();

  constructor(private readonly historyMs = HISTORY_MS) {}

  /** Adds a reading received at `nowMs`; the first one's history fills the total series. */
  add(tick: EnergyTick, nowMs: number): void {
    if (tick.history) for (const p of tick.history) if (!this.total.length || p[0] > this.total[this.total.length - 1][0]) this.total.push(p);
    if (!this.total.length || tick.t > this.total[this.total.length - 1][0]) this.total.push([tick.t, tick.power_w]);
    for (const d of tick.devices) {
      const s = this.devices.get(d.name) ?? [];
      if (!s.length || tick.t > s[s.length - 1][0]) s.push([tick.t, d.power_w]);
      this.devices.set(d.name, s);
    }
    this.last = tick;
    this.lastAtMs = nowMs;
    this.noMeter = false;
    const cut = tick.t - this.historyMs;
    trimBefore(this.total, cut);
    for (const s of this.devices.values()) trimBefore(s, cut);
  }

  /** Forgets everything (a kernel restart starts a new total). */
  reset(): void {
    this.last = null;
    this.lastAtMs = 0;
    this.openedAtMs = null;
    this.noMeter = false;
    this.total.length = 0;
    this.devices.clear();
  }

  /**
   * The series to draw: one per device when there are several (from the readings since the comm
   * opened), else the total (with the first message's history), named by its one device.
   */
  series(): PowerSeries[] {
    if (this.devices.size > 1) return [...this.devices.entries()].map(([name, points]) => ({ name, points }));
    if (!this.total.length) return [];
    return [{ name: this.devices.size === 1 ? [...this.devices.keys()][0] : "total", points: this.total }];
  }
}

function trimBefore(points: [number, number][], cutMs: number): void {
  let k = 0;
  while (k < points.length - 1 && points[k][0] < cutMs) k++;
  if (k > 0) points.splice(0, k);
}

/** What the item shows. */
export interface EnergyStatusView {
  state: "no-meter" | "waiting" | "live" | "busy";
  text: string;
  tooltip: string;
}

/**
 * The item's text and tooltip for a feed at `nowMs` (null feed: no kernel).
 * Live: "⚡ 287 W · 1.9 kWh (nvidia-smi)", with "· 0.7 kg CO₂e" when the kernel sends carbon;
 * no reading for STALE_MS: "⚡ busy… 287 W 12 s ago · 1.9 kWh (nvidia-smi)".
 */
export function energyStatusView(feed: EnergyFeed | null, nowMs: number): EnergyStatusView {
  const none = (why: string): EnergyStatusView => ({ state: "no-meter", text: "⚡ no meter", tooltip: `greenai energy: ${why}` });
  if (!feed) return none("no kernel");
  const tick = feed.last;
  if (!tick) {
    if (feed.noMeter) return none("this kernel has no energy meter (only the greenai kernel has one, with its meter on)");
    if (feed.openedAtMs !== null && nowMs - feed.openedAtMs > NO_METER_MS)
      return none(`no reading from the kernel in ${durationText((nowMs - feed.openedAtMs) / 1000)}: only the greenai kernel has a meter`);
    return { state: "waiting", text: "⚡ …", tooltip: "greenai energy: waiting for the kernel's first reading" };
  }
  const label = energySourceLabel(tick.source, tick.estimate);
  const carbon = tick.carbon_g !== undefined ? ` · ${carbonText(tick.carbon_g)}` : "";
  const ageMs = Math.max(0, nowMs - feed.lastAtMs);
  const busy = ageMs > STALE_MS;
  const text = busy
    ? `⚡ busy… ${powerText(tick.power_w)} ${durationText(Math.round(ageMs / 1000))} ago · ${kwhText(tick.total_j)}${carbon} (${label})`
    : `⚡ ${powerText(tick.power_w)} · ${kwhText(tick.total_j)}${carbon} (${label})`;
  const lines = [
    `greenai energy, ${label}${tick.estimate ? " (an estimate from a power model, not a measurement)" : ""}`,
    `now ${powerText(tick.power_w)}${tick.devices.length ? ": " + tick.devices.map((d) => `${d.name} ${powerText(d.power_w)}`).join(", ") : ""}`,
    `kernel total ${energyText(tick.total_j, "J")} (${kwhText(tick.total_j)})${tick.since ? ` since ${tick.since}` : ""}${carbon}`,
    busy ? `last reading ${durationText(Math.round(ageMs / 1000))} ago: the kernel is busy and sends again when it is free` : "",
    "Click for the power of the last minutes and this notebook's cells.",
  ];
  return { state: busy ? "busy" : "live", text, tooltip: lines.filter(Boolean).join("\n") };
}

/**
 * SVG path data of a sparkline: x from `t0Ms`..`t1Ms` over 0..width, y from 0..`maxW` W over
 * height..0 (clamped). Empty for no points.
 */
export function sparklinePath(points: readonly (readonly [number, number])[], t0Ms: number, t1Ms: number, maxW: number, width: number, height: number): string {
  if (!points.length) return "";
  const span = t1Ms > t0Ms ? t1Ms - t0Ms : 1;
  const top = maxW > 0 ? maxW : 1;
  const r = (v: number) => Math.round(v * 10) / 10;
  return points
    .map(([t, w], i) => {
      const x = Math.min(width, Math.max(0, ((t - t0Ms) / span) * width));
      const y = height - Math.min(height, Math.max(0, (w / top) * height));
      return `${i ? "L" : "M"}${r(x)},${r(y)}`;
    })
    .join(" ");
}

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * The time span a sparkline shows, [t0, t1] ms: from the earliest point, at most `maxMs` and at
 * least `minMs` before `nowMs`, so a feed opened a minute ago fills the width.
 */
export function sparklineWindow(series: readonly PowerSeries[], nowMs: number, maxMs = 5 * 60_000, minMs = 60_000): [number, number] {
  const earliest = Math.min(nowMs, ...series.map((s) => s.points[0]?.[0] ?? nowMs));
  return [Math.max(nowMs - maxMs, Math.min(earliest, nowMs - minMs)), nowMs];
}

/** A sparkline of the series over [t0, t1] ms, 0 W at the bottom, one colour class per series (CSS variables). */
export function sparklineSvg(series: readonly PowerSeries[], [t0, t1]: [number, number], width = 240, height = 48): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", "greenai-energy-spark");
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const inWindow = series.map((s) => ({ name: s.name, points: s.points.filter((p) => p[0] >= t0) }));
  const maxW = Math.max(0, ...inWindow.flatMap((s) => s.points.map((p) => p[1])));
  inWindow.forEach((s, i) => {
    const d = sparklinePath(s.points, t0, t1, maxW * 1.1, width, height);
    if (!d) return;
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    path.setAttribute("class", `greenai-energy-spark-line greenai-energy-spark-${i % 4}`);
    path.dataset.series = s.name;
    svg.appendChild(path);
  });
  return svg;
}

/** One cell's energy for the popup's list. */
export interface CellTotal {
  /** e.g. "[3]" (execution count) or "cell 4". */
  label: string;
  energy: CellEnergy;
}

/** The popup's content: the sparkline with a legend, and the per-cell totals of the open notebook. */
export function energyDetails(feed: EnergyFeed | null, cells: readonly CellTotal[], nowMs: number): HTMLElement {
  const root = el("div", "greenai-energy-details");
  const view = energyStatusView(feed, nowMs);
  root.append(el("div", "greenai-energy-details-title", view.text));
  const series = feed?.series() ?? [];
  if (series.length) {
    const span = sparklineWindow(series, nowMs);
    root.append(el("div", "greenai-energy-details-sub", `Power, last ${durationText((span[1] - span[0]) / 1000)} (0 W at the bottom)`));
    root.append(sparklineSvg(series, span));
    const legend = el("div", "greenai-energy-legend");
    series.forEach((s, i) => {
      const item = el("span", `greenai-energy-legend-item greenai-energy-spark-${i % 4}`, `${s.name} ${powerText(s.points[s.points.length - 1]?.[1])}`);
      legend.append(item);
    });
    root.append(legend);
  } else {
    root.append(el("div", "greenai-energy-details-sub", view.tooltip.replace(/^greenai energy: /, "")));
  }
  root.append(el("div", "greenai-energy-details-sub", cells.length ? "This notebook's cells (last run)" : "No cell of this notebook has an energy yet."));
  if (cells.length) {
    const ul = el("ul", "greenai-energy-cells");
    for (const c of cells.slice(0, 50)) ul.append(el("li", "", `${c.label} ${cellEnergyText(c.energy)}`));
    root.append(ul);
    const sum = cells.reduce((a, c) => a + c.energy.joules, 0);
    root.append(el("div", "greenai-energy-cells-total", `${cells.length} cell${cells.length === 1 ? "" : "s"}: ${energyText(sum, "J")}${cells.length > 50 ? " (first 50 listed)" : ""}`));
  }
  return root;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Options of the status item. */
export interface EnergyStatusOptions {
  /** The clock (tests pass a fake one). */
  now?: () => number;
  /** The per-cell totals of the open notebook, for the popup. */
  cellTotals?: () => CellTotal[];
  /** Opens the popup with this content (the plugin passes the status bar's showPopup). */
  showDetails?: (body: Widget, anchor: Widget) => void;
  /** How often the text is redrawn (for the age of the last reading), ms; 0: never by itself. */
  tickMs?: number;
}

/** The status-bar item: redraws from its feed every second and on each reading. */
export class EnergyStatus extends Widget {
  private feed: EnergyFeed | null = null;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly textNode: HTMLSpanElement;

  constructor(private readonly options: EnergyStatusOptions = {}) {
    super();
    this.addClass("greenai-energy-status");
    this.addClass("jp-StatusBar-TextItem");
    this.now = options.now ?? (() => Date.now());
    this.textNode = el("span", "greenai-energy-status-text");
    this.node.append(this.textNode);
    this.node.addEventListener("click", () => this.openDetails());
    const every = options.tickMs ?? 1000;
    if (every > 0) this.timer = setInterval(() => this.refresh(), every);
    this.refresh();
  }

  /** Follows another feed (the current notebook's kernel), or none. */
  setFeed(feed: EnergyFeed | null): void {
    this.feed = feed;
    this.refresh();
  }

  /** Redraws the text and tooltip; returns what is shown. */
  refresh(): EnergyStatusView {
    const v = energyStatusView(this.feed, this.now());
    if (this.textNode.textContent !== v.text) this.textNode.textContent = v.text;
    this.node.title = v.tooltip;
    this.node.dataset.state = v.state;
    this.node.classList.toggle("greenai-estimate", this.feed?.last?.estimate === true);
    return v;
  }

  /** Opens the popup (sparkline and per-cell totals). */
  openDetails(): void {
    const body = new Widget({ node: energyDetails(this.feed, this.options.cellTotals?.() ?? [], this.now()) });
    body.addClass("greenai-energy-popup");
    this.options.showDetails?.(body, this);
  }

  override dispose(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    super.dispose();
  }
}

/**
 * Opens the `greenai.energy` comm on a kernel and feeds an EnergyFeed; reopens it after a
 * restart. A kernel without comms, or one that closes the comm, is marked as having no meter.
 */
export class EnergyComm {
  readonly feed = new EnergyFeed();
  private comm: Kernel.IComm | null = null;
  private disposed = false;

  constructor(
    private readonly kernel: Kernel.IKernelConnection,
    private readonly onChange: () => void,
    private readonly now: () => number = () => Date.now(),
  ) {
    kernel.statusChanged.connect(this.onStatus, this);
    this.open();
  }

  private open(): void {
    if (this.disposed || this.kernel.isDisposed) return;
    this.feed.openedAtMs = this.now();
    try {
      const comm = this.kernel.createComm(ENERGY_COMM_TARGET);
      comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => {
        const tick = parseEnergyTick(msg.content.data);
        if (!tick) return;
        this.feed.add(tick, this.now());
        this.onChange();
      };
      comm.onClose = () => {
        if (this.comm === comm) this.comm = null;
        if (!this.feed.last) this.feed.noMeter = true;
        this.onChange();
      };
      comm.open();
      this.comm = comm;
    } catch {
      this.feed.noMeter = true; // comms disabled on this connection
    }
    this.onChange();
  }

  private onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (status === "restarting" || status === "autorestarting") {
      this.feed.reset();
      this.comm = null;
      this.onChange();
    } else if (status === "idle" && (this.comm === null || this.comm.isDisposed) && !this.feed.noMeter) {
      this.open();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.kernel.statusChanged.disconnect(this.onStatus, this);
    if (this.comm && !this.comm.isDisposed && !this.kernel.isDisposed) {
      try {
        this.comm.close();
      } catch {
        // the connection is already gone
      }
    }
    this.comm = null;
  }
}
