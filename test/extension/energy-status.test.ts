import { Signal } from "@lumino/signaling";
import { EnergyComm, EnergyFeed, EnergyStatus, energyDetails, energyStatusView, NO_METER_MS, parseEnergyTick, sparklinePath, sparklineWindow, STALE_MS } from "../../extension/src/energy-status";

const T0 = Date.parse("2026-12-03T08:00:00Z");

/** A comm message's data as the greenai kernel sends it (the protocol of issue 14). */
const tick = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  t: T0,
  power_w: 287.2,
  total_j: 1.9 * 3.6e6,
  since: "2026-12-03T06:00:00.000Z",
  source: "nvidia-smi",
  estimate: false,
  devices: [
    { name: "GPU 0", power_w: 250 },
    { name: "CPU", power_w: 37.2 },
  ],
  ...over,
});

function feedWith(...data: Record<string, unknown>[]): EnergyFeed {
  const feed = new EnergyFeed();
  feed.openedAtMs = T0 - 1000;
  for (const d of data) feed.add(parseEnergyTick(d)!, d.t as number);
  return feed;
}

describe("parseEnergyTick", () => {
  it("reads the protocol's fields, history included", () => {
    const t = parseEnergyTick(tick({ history: [[T0 - 4000, 100], [T0 - 2000, 120], ["x", 1]] }));
    expect(t).toMatchObject({ t: T0, power_w: 287.2, source: "nvidia-smi", estimate: false, devices: [{ name: "GPU 0", power_w: 250 }, { name: "CPU", power_w: 37.2 }] });
    expect(t?.history).toEqual([[T0 - 4000, 100], [T0 - 2000, 120]]);
  });
  it.each([
    ["not an object", "hello"],
    ["no power", tick({ power_w: undefined })],
    ["a string total", tick({ total_j: "1" })],
    ["no source", tick({ source: 3 })],
  ])("rejects %s (null, no throw)", (_, x) => expect(parseEnergyTick(x)).toBeNull());
});

describe("energyStatusView: the item's text from fake comm messages", () => {
  it("live: power, kWh and the source", () => {
    const v = energyStatusView(feedWith(tick()), T0 + 1000);
    expect(v.state).toBe("live");
    expect(v.text).toBe("⚡ 287 W · 1.9 kWh (nvidia-smi)");
    expect(v.tooltip).toContain("now 287 W: GPU 0 250 W, CPU 37 W");
    expect(v.tooltip).toContain("since 2026-12-03T06:00:00.000Z");
  });

  it("an estimate is marked as one", () => {
    const v = energyStatusView(feedWith(tick({ source: "estimate", estimate: true })), T0);
    expect(v.text).toBe("⚡ 287 W · 1.9 kWh (estimate)");
    expect(v.tooltip).toContain("an estimate from a power model, not a measurement");
  });

  it("shows carbon when the kernel sends it (the optional hook)", () => {
    expect(energyStatusView(feedWith(tick({ carbon_g: 700 })), T0).text).toBe("⚡ 287 W · 1.9 kWh · 0.7 kg CO₂e (nvidia-smi)");
  });

  it("follows each new reading", () => {
    const feed = feedWith(tick());
    feed.add(parseEnergyTick(tick({ t: T0 + 2000, power_w: 95, total_j: 2.5 * 3.6e6 }))!, T0 + 2000);
    expect(energyStatusView(feed, T0 + 2500).text).toBe("⚡ 95 W · 2.5 kWh (nvidia-smi)");
  });

  it(`says busy… with the age of the last reading after ${STALE_MS} ms without one`, () => {
    const feed = feedWith(tick());
    expect(energyStatusView(feed, T0 + STALE_MS).state).toBe("live");
    const v = energyStatusView(feed, T0 + 12_000);
    expect(v.state).toBe("busy");
    expect(v.text).toBe("⚡ busy… 287 W 12 s ago · 1.9 kWh (nvidia-smi)");
    expect(energyStatusView(feed, T0 + 13_000).text).toContain("13 s ago");
  });

  it("no kernel, a closed comm, or silence after opening: no meter", () => {
    expect(energyStatusView(null, T0).text).toBe("⚡ no meter");
    const waiting = new EnergyFeed();
    waiting.openedAtMs = T0;
    expect(energyStatusView(waiting, T0 + 1000).state).toBe("waiting");
    expect(energyStatusView(waiting, T0 + NO_METER_MS + 1).text).toBe("⚡ no meter");
    const closed = new EnergyFeed();
    closed.noMeter = true;
    expect(energyStatusView(closed, T0).state).toBe("no-meter");
    // A late first reading turns it live.
    waiting.add(parseEnergyTick(tick({ t: T0 + 9000 }))!, T0 + 9000);
    expect(energyStatusView(waiting, T0 + 9000).state).toBe("live");
  });
});

describe("EnergyFeed", () => {
  it("keeps the history of the first message, per-device series, and only the last minutes", () => {
    const feed = new EnergyFeed(60_000);
    feed.add(parseEnergyTick(tick({ t: T0, history: [[T0 - 90_000, 10], [T0 - 30_000, 20]] }))!, T0);
    expect(feed.total).toEqual([[T0 - 30_000, 20], [T0, 287.2]]);
    feed.add(parseEnergyTick(tick({ t: T0 + 45_000 }))!, T0 + 45_000);
    expect(feed.total.map((p) => p[0])).toEqual([T0, T0 + 45_000]);
    expect(feed.series().map((s) => [s.name, s.points.length])).toEqual([["GPU 0", 2], ["CPU", 2]]);
    feed.reset();
    expect(feed.series()).toEqual([]);
    expect(feed.last).toBeNull();
  });

  it("draws the total when no device is named, and names it by its device when there is one (history included)", () => {
    expect(feedWith(tick({ devices: [] })).series()).toEqual([{ name: "total", points: [[T0, 287.2]] }]);
    const one = feedWith(tick({ history: [[T0 - 2000, 31]], devices: [{ name: "cpu", power_w: 287.2 }] }));
    expect(one.series()).toEqual([{ name: "cpu", points: [[T0 - 2000, 31], [T0, 287.2]] }]);
  });
});

describe("sparkline and details", () => {
  it("maps time to x and power to y (0 W at the bottom)", () => {
    expect(sparklinePath([[0, 0], [50, 50], [100, 100]], 0, 100, 100, 200, 40)).toBe("M0,40 L100,20 L200,0");
    expect(sparklinePath([], 0, 1, 1, 10, 10)).toBe("");
    expect(sparklinePath([[-50, 500]], 0, 100, 100, 200, 40)).toBe("M0,0"); // clamped
  });

  it("shows from the earliest point, between 1 and 5 minutes back", () => {
    const at = (t: number) => [{ name: "x", points: [[t, 1]] as [number, number][] }];
    expect(sparklineWindow(at(T0 - 30_000), T0)).toEqual([T0 - 60_000, T0]);
    expect(sparklineWindow(at(T0 - 120_000), T0)).toEqual([T0 - 120_000, T0]);
    expect(sparklineWindow(at(T0 - 900_000), T0)).toEqual([T0 - 300_000, T0]);
    expect(sparklineWindow([], T0)).toEqual([T0 - 60_000, T0]);
  });

  it("the popup has one line per device and the notebook's cells with their sum", () => {
    const feed = feedWith(tick({ t: T0 - 4000 }), tick({ t: T0 - 2000, devices: [{ name: "GPU 0", power_w: 300 }, { name: "CPU", power_w: 40 }] }));
    const cell = { joules: 12400, seconds: 41.06, source: "nvidia-smi", devices: ["GPU 0"], started: "2026-12-03T07:00:00Z" };
    const node = energyDetails(feed, [{ label: "[1]", energy: cell }, { label: "[2]", energy: { ...cell, joules: 600 } }], T0);
    expect(node.querySelectorAll("svg path.greenai-energy-spark-line")).toHaveLength(2);
    expect(node.querySelector(".greenai-energy-legend")?.textContent).toBe("GPU 0 300 WCPU 40 W");
    expect([...node.querySelectorAll(".greenai-energy-cells li")].map((li) => li.textContent)).toEqual(["[1] 12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)", "[2] 600 J · 41 s · 15 W avg (GPU 0, nvidia-smi)"]);
    expect(node.querySelector(".greenai-energy-cells-total")?.textContent).toBe("2 cells: 13 kJ");
  });

  it("no meter and no cells: a popup that says so, no crash", () => {
    const node = energyDetails(null, [], T0);
    expect(node.querySelector("svg")).toBeNull();
    expect(node.textContent).toContain("no kernel");
    expect(node.textContent).toContain("No cell of this notebook has an energy yet.");
  });
});

describe("EnergyStatus widget", () => {
  it("shows the feed's text, updates on refresh, and says no meter without a feed", () => {
    let now = T0 + 1000;
    const shown: string[] = [];
    const item = new EnergyStatus({ now: () => now, tickMs: 0, showDetails: (body) => shown.push(body.node.textContent ?? "") });
    expect(item.node.textContent).toBe("⚡ no meter");
    expect(item.node.dataset.state).toBe("no-meter");
    const feed = feedWith(tick());
    item.setFeed(feed);
    expect(item.node.textContent).toBe("⚡ 287 W · 1.9 kWh (nvidia-smi)");
    now = T0 + 7000;
    item.refresh();
    expect(item.node.textContent).toBe("⚡ busy… 287 W 7 s ago · 1.9 kWh (nvidia-smi)");
    expect(item.node.dataset.state).toBe("busy");
    item.node.click();
    expect(shown[0]).toContain("Power, last 1 min 0 s");
    item.setFeed(null);
    expect(item.node.textContent).toBe("⚡ no meter");
    item.dispose();
  });
});

/** A fake kernel connection: enough of IKernelConnection for EnergyComm. */
function fakeKernel(opts: { comms?: boolean } = {}) {
  const comms: { onMsg?: (m: unknown) => void; onClose?: (m: unknown) => void; opened: boolean; isDisposed: boolean; open(): void; close(): void }[] = [];
  const kernel = {
    isDisposed: false,
    statusChanged: new Signal<unknown, string>({}),
    createComm(target: string) {
      if (opts.comms === false) throw new Error("Comms are disabled on this kernel connection");
      expect(target).toBe("greenai.energy");
      const c = { opened: false, isDisposed: false, open() { this.opened = true; }, close() { this.isDisposed = true; } } as (typeof comms)[number];
      comms.push(c);
      return c;
    },
  };
  return { kernel, comms };
}

describe("EnergyComm", () => {
  it("opens the greenai.energy comm and feeds each message; reopens after a restart", () => {
    const { kernel, comms } = fakeKernel();
    let changes = 0;
    let now = T0;
    const c = new EnergyComm(kernel as never, () => changes++, () => now);
    expect(comms).toHaveLength(1);
    expect(comms[0].opened).toBe(true);
    comms[0].onMsg!({ content: { comm_id: "x", data: tick() } });
    comms[0].onMsg!({ content: { comm_id: "x", data: { junk: true } } }); // ignored
    expect(c.feed.last?.power_w).toBe(287.2);
    expect(changes).toBeGreaterThanOrEqual(2);
    kernel.statusChanged.emit("restarting");
    expect(c.feed.last).toBeNull();
    now = T0 + 5000;
    kernel.statusChanged.emit("idle");
    expect(comms).toHaveLength(2);
    expect(c.feed.openedAtMs).toBe(T0 + 5000);
    c.dispose();
    expect(comms[1].isDisposed).toBe(true);
  });

  it("a kernel that closes the comm, or has no comms, has no meter (no crash)", () => {
    const { kernel, comms } = fakeKernel();
    const c = new EnergyComm(kernel as never, () => undefined);
    comms[0].onClose!({});
    expect(energyStatusView(c.feed, Date.now()).text).toBe("⚡ no meter");
    kernel.statusChanged.emit("idle");
    expect(comms).toHaveLength(1); // not reopened over and over
    const none = fakeKernel({ comms: false });
    const d = new EnergyComm(none.kernel as never, () => undefined);
    expect(energyStatusView(d.feed, Date.now()).state).toBe("no-meter");
  });
});
