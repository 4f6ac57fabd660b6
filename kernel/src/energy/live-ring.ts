/**
 * The live meter's shared memory: a ring of samples and a small JSON state, in one
 * SharedArrayBuffer written by the meter thread (live-meter-worker.ts) and read by the kernel's
 * main thread (live-meter.ts) without messages. The main thread can read it synchronously at any
 * time, e.g. right after a cell that blocked the event loop, so no sample waits for the loop.
 * Pure (no I/O). One writer, one reader.
 */

/** Header: [samples written, state version (odd while being written), state byte length]. */
const HEADER_INTS = 4;
/** Per sample: t_ms, device index, value, flags. */
const FIELDS = 4;
const FLAG_COUNTER = 1;
const FLAG_ESTIMATED = 2;
const FLAG_NULL = 4;

/** One reading as the ring stores it. */
export interface RingSample {
  t_ms: number;
  /** Index into LiveState.devices. */
  device: number;
  /** W for power, cumulative J for an energy counter; null: no value ([N/A]). */
  value: number | null;
  counter: boolean;
  estimated: boolean;
}

/** What the meter thread says about itself (rarely changes). */
export interface LiveState {
  /** "starting" until the meter runs; "failed" with `error` when nothing could start. */
  status: "starting" | "running" | "failed" | "stopped";
  kind?: "nvidia-smi" | "rapl" | "estimate";
  /** True when every device is measured by a sensor. */
  measured?: boolean;
  /** Human-readable source, e.g. "measured: nvidia-smi power.draw every 500 ms". */
  source?: string;
  /** Why a meter did not start and which fallback runs. */
  notes?: string[];
  /** Device labels in the order of their indices. */
  devices: { name: string; kind: "power" | "energy-counter"; estimated: boolean }[];
  error?: string;
}

export interface RingLayout {
  capacity: number;
  stateBytes: number;
}

/** Allocates the shared buffer for `capacity` samples and `stateBytes` of JSON state. */
export function createLiveBuffer(layout: RingLayout = { capacity: 16384, stateBytes: 16384 }): SharedArrayBuffer {
  if (!(Number.isInteger(layout.capacity) && layout.capacity >= 2)) throw new RangeError(`capacity must be an integer ≥ 2 but got ${layout.capacity}`);
  if (!(Number.isInteger(layout.stateBytes) && layout.stateBytes >= 64)) throw new RangeError(`stateBytes must be an integer ≥ 64 but got ${layout.stateBytes}`);
  const sab = new SharedArrayBuffer(HEADER_INTS * 4 + 8 + layout.capacity * FIELDS * 8 + layout.stateBytes);
  const head = new Int32Array(sab, 0, HEADER_INTS);
  head[3] = layout.capacity;
  return sab;
}

function views(sab: SharedArrayBuffer) {
  const head = new Int32Array(sab, 0, HEADER_INTS);
  const capacity = head[3];
  const off = HEADER_INTS * 4 + 8; // 8-byte aligned
  const data = new Float64Array(sab, off, capacity * FIELDS);
  const state = new Uint8Array(sab, off + capacity * FIELDS * 8);
  return { head, capacity, data, state };
}

/** The meter thread's side. */
export class LiveRingWriter {
  private readonly v: ReturnType<typeof views>;
  constructor(sab: SharedArrayBuffer) {
    this.v = views(sab);
  }

  push(s: RingSample): void {
    const { head, capacity, data } = this.v;
    const n = Atomics.load(head, 0);
    const at = (n % capacity) * FIELDS;
    data[at] = s.t_ms;
    data[at + 1] = s.device;
    data[at + 2] = s.value ?? 0;
    data[at + 3] = (s.counter ? FLAG_COUNTER : 0) | (s.estimated ? FLAG_ESTIMATED : 0) | (s.value === null ? FLAG_NULL : 0);
    Atomics.store(head, 0, n + 1);
  }

  setState(state: LiveState): void {
    const { head, state: buf } = this.v;
    let bytes = Buffer.from(JSON.stringify(state));
    if (bytes.length > buf.length) {
      const cut: LiveState = { ...state, notes: [`(notes cut: the state is over ${buf.length} bytes)`] };
      bytes = Buffer.from(JSON.stringify(cut)).subarray(0, buf.length);
    }
    Atomics.add(head, 1, 1); // odd: being written
    buf.set(bytes);
    Atomics.store(head, 2, bytes.length);
    Atomics.add(head, 1, 1);
  }
}

/** The kernel's side: takes the samples written since the last call, and the state. */
export class LiveRingReader {
  private readonly v: ReturnType<typeof views>;
  private read = 0;
  private stateVersion = 0;
  private state: LiveState = { status: "starting", devices: [] };
  /** Samples overwritten before they were read (the reader was away longer than the ring holds). */
  lost = 0;

  constructor(sab: SharedArrayBuffer) {
    this.v = views(sab);
  }

  /** Samples written since the last call, oldest first. */
  take(): RingSample[] {
    const { head, capacity, data } = this.v;
    const n = Atomics.load(head, 0);
    if (n - this.read > capacity) {
      this.lost += n - this.read - capacity;
      this.read = n - capacity;
    }
    const out: RingSample[] = [];
    for (; this.read < n; this.read++) {
      const at = (this.read % capacity) * FIELDS;
      const flags = data[at + 3];
      out.push({
        t_ms: data[at],
        device: data[at + 1],
        value: flags & FLAG_NULL ? null : data[at + 2],
        counter: (flags & FLAG_COUNTER) !== 0,
        estimated: (flags & FLAG_ESTIMATED) !== 0,
      });
    }
    return out;
  }

  /** The meter thread's latest state (decoded again only when it changed). */
  getState(): LiveState {
    const { head, state: buf } = this.v;
    for (let tries = 0; tries < 3; tries++) {
      const ver = Atomics.load(head, 1);
      if (ver === this.stateVersion) return this.state;
      if (ver % 2 === 1) continue;
      const len = Atomics.load(head, 2);
      const copy = Buffer.from(buf.slice(0, len));
      if (Atomics.load(head, 1) !== ver) continue;
      try {
        this.state = JSON.parse(copy.toString("utf8")) as LiveState;
        this.stateVersion = ver;
      } catch {
        /* a torn write: keep the previous state */
      }
      return this.state;
    }
    return this.state;
  }
}
