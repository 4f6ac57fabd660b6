/**
 * The live meter's thread (a worker_threads Worker started by live-meter.ts). It runs the meters
 * of meters.ts (one long-running nvidia-smi stream, RAPL counters, or the labelled estimate) and
 * writes every sample into the shared ring, so sampling goes on while a cell blocks the kernel's
 * main thread. It never prints (a cell's stdout is the notebook's): problems go into the state.
 * It ends when told "stop", and with the kernel process in any case (a thread cannot outlive its
 * process; nvidia-smi, its child, dies of SIGPIPE at its next line once the kernel is gone).
 */
import { parentPort, workerData } from "worker_threads";
import { openMeter, type MeterChoice, type MeterSet } from "./meters";
import { LiveRingWriter, type LiveState } from "./live-ring";

/** What live-meter.ts hands the thread. */
export interface LiveWorkerData {
  sab: SharedArrayBuffer;
  meter: MeterChoice;
  intervalMs: number;
  /** argv of the nvidia-smi to run (default ["nvidia-smi"]). */
  nvidiaSmi?: string[];
  /** powercap sysfs root (default /sys/class/powercap). */
  raplRoot?: string;
}

async function main(data: LiveWorkerData): Promise<void> {
  const ring = new LiveRingWriter(data.sab);
  const state: LiveState = { status: "starting", devices: [] };
  const index = new Map<string, number>();
  ring.setState(state);
  let meter: MeterSet | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await meter?.stop();
    } finally {
      ring.setState({ ...state, status: "stopped" });
      parentPort?.postMessage("stopped");
      parentPort?.close();
    }
  };
  parentPort?.on("message", (m) => {
    if (m === "stop") void stop();
  });
  try {
    meter = await openMeter({
      meter: data.meter,
      intervalMs: data.intervalMs,
      retain: false, // the ring is the history; the meter keeps none (it runs as long as the kernel)
      ...(data.nvidiaSmi ? { nvidiaSmi: { command: data.nvidiaSmi } } : {}),
      ...(data.raplRoot ? { rapl: { root: data.raplRoot } } : {}),
      onSample: (s) => {
        let i = index.get(s.device);
        if (i === undefined) {
          i = state.devices.length;
          index.set(s.device, i);
          state.devices.push({ name: s.device, kind: s.kind, estimated: s.estimated });
          ring.setState(state);
        }
        ring.push({ t_ms: s.t_ms, device: i, value: s.value, counter: s.kind === "energy-counter", estimated: s.estimated });
      },
    });
  } catch (e) {
    state.status = "failed";
    state.error = (e as Error).message;
    ring.setState(state);
    parentPort?.close();
    return;
  }
  Object.assign(state, { status: "running", kind: meter.kind, measured: meter.measured, source: meter.source, notes: [...meter.notes] });
  ring.setState(state);
  if (stopping) await meter.stop();
}

if (parentPort) void main(workerData as LiveWorkerData);
