/**
 * An HTTP endpoint serving the meter's energy counters in the OpenMetrics format, so Prometheus
 * can scrape a training machine (`greenai energy serve`). Edge module: opens the meter (meters.ts:
 * nvidia-smi, RAPL, else the labelled estimate) and a socket.
 */
import * as http from "http";
import type { AddressInfo } from "net";
import { openMeter, type MeterSet, type OpenMeterOptions } from "./meters";
import { energyMetricFamilies, EnergyCounters, openMetricsText, OPENMETRICS_CONTENT_TYPE, type DeviceReading } from "./openmetrics";

export interface MetricsServerOptions extends Omit<OpenMeterOptions, "onSample"> {
  /** TCP port; 0 picks a free one (see `url`). */
  port: number;
  /** Address to bind. Default 127.0.0.1 (this machine only). */
  host?: string;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9400/metrics */
  readonly url: string;
  readonly meter: MeterSet;
  /** Scrapes answered so far. */
  readonly scrapes: number;
  readings(): DeviceReading[];
  /** Stops the meter and the server (idempotent). */
  close(): Promise<void>;
}

/** Opens the meter, then listens; the meter is stopped again when the port cannot be bound. */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const interval = opts.intervalMs ?? 1000;
  // A gap of ten sampling periods (at least 2 s) is missing data, as in %energy measure.
  const counters = new EnergyCounters({ maxGapMs: Math.max(2000, 10 * interval) });
  const meter = await openMeter({ ...opts, intervalMs: interval, onSample: (s) => counters.add(s), retain: false });
  let scrapes = 0;
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "/").split("?")[0];
    if (url !== "/metrics") {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("greenai energy serve: the metrics are at /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
      res.end("GET /metrics\n");
      return;
    }
    scrapes++;
    const body = openMetricsText(energyMetricFamilies(counters.readings()));
    res.writeHead(200, { "Content-Type": OPENMETRICS_CONTENT_TYPE, "Content-Length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  const host = opts.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await meter.stop();
    const err = e as NodeJS.ErrnoException;
    const why = err.code === "EADDRINUSE" ? "the port is in use (pick another --port, or 0 for any free one)" : err.code === "EACCES" ? "permission denied (ports below 1024 need root)" : err.message;
    throw new RangeError(`cannot listen on ${host}:${opts.port}: ${why}`);
  }
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${addr.port}/metrics`,
    meter,
    get scrapes() {
      return scrapes;
    },
    readings: () => counters.readings(),
    close() {
      closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections?.();
        });
        await meter.stop();
      })();
      return closed;
    },
  };
}
