/**
 * The opt-in cell-energy output (issue 14): the presenter's bundle (vendor JSON, escaped HTML
 * table, one text line shared with the extension) and the handler sending it, only when on,
 * before the execute_request is answered.
 */
import { cellEnergyText, MIME_CELL_ENERGY, type CellEnergyPayload } from "greenai-common";
import { presentCellEnergy } from "../../kernel/src/display/cell-energy";
import { GreenaiHandler, type CellMeter, type ExecuteWriters } from "../../kernel/src/kernel/handler";
import { SAMPLE_CELL_ENERGY } from "../helpers/cell-energy-sample";

const payload = (over: Partial<CellEnergyPayload> = {}): CellEnergyPayload => ({ ...SAMPLE_CELL_ENERGY, devices: [...SAMPLE_CELL_ENERGY.devices], ...over });

describe("presentCellEnergy", () => {
  it("carries the reply's record as vendor JSON, the shared one-line text and a one-row table", () => {
    const e = payload();
    const b = presentCellEnergy(e);
    expect(Object.keys(b.data)).toEqual([MIME_CELL_ENERGY, "text/html", "text/plain"]);
    expect(b.data[MIME_CELL_ENERGY]).toBe(e);
    expect(b.data["text/plain"]).toBe("12.4 kJ · 41 s · 302 W avg (GPU 0, nvidia-smi)");
    expect(b.data["text/plain"]).toBe(cellEnergyText(e));
    const html = b.data["text/html"] as string;
    expect(html).toContain("<th>energy</th><th>time</th><th>average power</th><th>source</th><th>devices</th></tr>");
    expect(html).toContain("<tr><td>12.4 kJ</td><td>41 s</td><td>302 W</td><td>nvidia-smi</td><td>GPU 0</td></tr>");
    expect(html.match(/<tr>/g)).toHaveLength(2);
    expect(html).not.toMatch(/CO₂e|<script|on\w+=/i);
  });

  it("marks an estimate as one and adds CO₂e with its basis when known", () => {
    const html = presentCellEnergy(payload({ source: "estimate", estimate: true, devices: ["cpu"], carbon_g: 1.64, carbon_basis: "475 g/kWh, WORLD 2023 average, no region set" })).data["text/html"] as string;
    expect(html).toContain("<td>estimate (not a measurement)</td>");
    expect(html).toContain("<th>CO₂e</th>");
    expect(html).toContain("<td>1.6 g CO₂e (475 g/kWh, WORLD 2023 average, no region set)</td>");
    const rapl = presentCellEnergy(payload({ source: "rapl", estimate: true })).data["text/html"] as string;
    expect(rapl).toContain("<td>rapl, estimate (not a measurement)</td>");
  });

  it("escapes every string that reaches the HTML (device names come from nvidia-smi and sysfs)", () => {
    const evil = `<img src=x onerror="alert(1)">&'`;
    const b = presentCellEnergy(payload({ devices: [evil], carbon_g: 1, carbon_basis: "<b>x</b>" }));
    const html = b.data["text/html"] as string;
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;");
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(b.data["text/plain"]).toContain(evil); // plain text is shown as text
  });
});

describe("GreenaiHandler: the cell-energy output", () => {
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  // the handler points process.stdout/stderr at the cell's writers while a cell runs
  afterEach(() => {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  });

  function setup(meter: CellMeter | undefined) {
    const executor = { execute: async () => true, lastError: undefined, close: () => undefined };
    const handler = new GreenaiHandler(executor as never, { version: "0", tsVersion: "0" }, () => undefined, meter);
    const events: string[] = [];
    const shown: { data: Record<string, unknown> }[] = [];
    const out: ExecuteWriters = {
      stream: () => events.push("stream"),
      display: (d) => (events.push("display"), shown.push(d as { data: Record<string, unknown> })),
      error: () => events.push("error"),
      input: () => events.push("input"),
    };
    return { handler, events, shown, out };
  }
  const meterOf = (cellOutput: boolean, e: CellEnergyPayload | null = payload()): CellMeter => ({ endCell: () => e ?? undefined, cellOutput });

  it("sends one display_data with the record when on, before the request resolves", async () => {
    const { handler, events, shown, out } = setup(meterOf(true));
    const r = await handler.handleExecute({ code: "1+1" }, out, { cellId: "c1" });
    expect(events).toEqual(["input", "display"]);
    expect(shown[0].data[MIME_CELL_ENERGY]).toBe(r.metadata.greenai_energy);
    expect(shown[0].data["text/html"]).toMatch(/^<table/);
  });

  it("sends nothing when off (the default), for silent requests, or without energy", async () => {
    for (const [meter, silent] of [[meterOf(false), false], [meterOf(true), true], [meterOf(true, null), false], [undefined, false]] as const) {
      const { handler, shown, out } = setup(meter);
      await handler.handleExecute({ code: "1+1", silent }, out);
      expect(shown).toEqual([]);
    }
  });
});
