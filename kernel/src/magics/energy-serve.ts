/**
 * `greenai energy serve --port P`: the meter's cumulative energy and current power per device in
 * the OpenMetrics text format at /metrics, until Ctrl-C or SIGTERM. Shell only (it runs until
 * stopped); thin adapter over energy/metrics-server.ts.
 */
import { UsageError } from "../errors";
import { startMetricsServer } from "../energy/metrics-server";
import type { DeviceReading } from "../energy/openmetrics";
import { formatNumber, makeBundle, textTable } from "../display/bundle";
import { METER_FLAGS, meterOptionsFromFlags } from "./energy-meter-flags";
import type { MagicCommand } from "./types";

/** What `greenai energy serve` prints when it stops. */
export interface EnergyServeResult {
  url: string;
  meter: { source: string; measured: boolean; notes: string[] };
  seconds: number;
  scrapes: number;
  devices: DeviceReading[];
}

export const serveCommandSpec: MagicCommand = {
  spec: {
    name: "energy serve",
    summary: "Serve the meter's energy counters and power as OpenMetrics at /metrics, for Prometheus (shell only; runs until stopped).",
    description:
      "Starts the meter (nvidia-smi for GPUs and RAPL for CPU packages where they work, else the labelled estimate) and serves " +
      "greenai_energy_joules_total (counter) and greenai_power_watts (gauge) per device, labelled device and source, at http://HOST:PORT/metrics " +
      "(content type application/openmetrics-text). Binds 127.0.0.1 unless --host says otherwise. Ctrl-C or SIGTERM stops it cleanly. " +
      "Point Prometheus at it with a scrape job whose target is HOST:PORT.",
    flags: [
      { name: "port", type: "int", required: true, min: 0, max: 65535, metavar: "P", help: "TCP port to listen on (0: any free port; the address is printed at start)" },
      { name: "host", type: "string", default: "127.0.0.1", metavar: "H", help: "address to bind: 127.0.0.1 keeps it on this machine, 0.0.0.0 opens it to the network" },
      { name: "interval", type: "number", default: 1, min: 0.01, max: 60, metavar: "S", help: "meter sampling period, seconds" },
      ...METER_FLAGS.filter((f) => f.name !== "interval-ms"),
    ],
    examples: ["greenai energy serve --port 9400", "greenai energy serve --port 9400 --host 0.0.0.0 --interval 5", "greenai energy serve --port 0 --meter estimate"],
  },
  async run(args, ctx) {
    if (ctx.runTypeScript !== undefined) {
      throw new UsageError("energy serve runs until it is stopped: start it in a terminal, e.g. greenai energy serve --port 9400");
    }
    const intervalMs = Math.round((args.flags.interval as number) * 1000);
    const server = await startMetricsServer({
      ...meterOptionsFromFlags({ ...args.flags, "interval-ms": intervalMs }, ctx),
      intervalMs,
      port: args.flags.port as number,
      host: args.flags.host as string,
    });
    const t0 = Date.now();
    ctx.log(`serving OpenMetrics at ${server.url} (meter: ${server.meter.source}); Ctrl-C or SIGTERM stops`);
    for (const n of server.meter.notes) ctx.log(`note: ${n}`);
    // Ctrl-C aborts ctx.signal (the CLI's handler); SIGTERM is caught here, so both stop the same way.
    let onTerm: () => void = () => undefined;
    try {
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) return resolve();
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        onTerm = () => resolve();
        process.once("SIGTERM", onTerm);
      });
    } finally {
      process.removeListener("SIGTERM", onTerm);
      await server.close();
    }
    const devices = server.readings();
    const value: EnergyServeResult = {
      url: server.url,
      meter: { source: server.meter.source, measured: server.meter.measured, notes: [...server.meter.notes] },
      seconds: (Date.now() - t0) / 1000,
      scrapes: server.scrapes,
      devices,
    };
    const text =
      `stopped after ${formatNumber(value.seconds, 3)} s and ${value.scrapes} scrape(s) of ${server.url}\n` +
      textTable(
        ["device", "source", "energy (J)", "last power (W)", "samples"],
        devices.map((d) => [d.device, d.source, d.energy_j, d.power_w, d.samples]),
      );
    return { value, typeName: "EnergyServeResult", text, bundle: makeBundle({ text }) };
  },
};
