/**
 * `greenai kernel --config-path FILE`: tslab's startKernel minus its delegation to other
 * tslab copies, with magics, the greenai library in every notebook, and protocol fixes.
 */
import * as path from "path";
import * as jupyter from "tslab/dist/jupyter";
import { createConverter } from "tslab/dist/converter";
import { createExecutor, type ConverterSet } from "tslab/dist/executor";
import { setDisplaySink } from "../display/display";
import type { MimeBundle } from "../display/bundle";
import { UsageError } from "../errors";
import { createRegistry } from "../magics/registry";
import { parseArgs, type CommandSpec } from "../magics/options";
import { ErrorCollector } from "./errors";
import { MagicExecutor } from "./executor";
import { GreenaiHandler } from "./handler";
import { GreenaiServer } from "./server";
import { StartupGate } from "./startup";
import { tslabTypeScriptPath } from "./tslab-path";
import { descendants, isAlive, sleep } from "../trials/proc";
import { cellOutputFromEnv, LiveMeter, liveMeterConfigFromEnv, setKernelLiveMeter } from "../energy/live-meter";

const KERNEL_SPEC: CommandSpec = {
  name: "kernel",
  summary: "Start the Jupyter kernel (Jupyter runs this from kernel.json).",
  flags: [{ name: "config-path", type: "string", required: true, metavar: "FILE", help: "Jupyter connection file" }],
};

/** Absolute paths of the library that notebooks see as `greenai`. */
export const LIB_JS = path.resolve(__dirname, "..", "index.js");
export const LIB_TYPES = path.resolve(__dirname, "..", "index");

class LazyConverters implements ConverterSet {
  private _node?: ConverterSet["node"];
  private _browser?: ConverterSet["browser"];
  get node() {
    return (this._node ??= createConverter({ isJS: false, isBrowser: false }));
  }
  get browser() {
    return (this._browser ??= createConverter({ isJS: false, isBrowser: true }));
  }
  close() {
    this._node?.close();
    this._browser?.close();
  }
}

/** Display through tslab's writer of the current execution: first show, then update in place. */
function kernelDisplay(): (bundle: MimeBundle, displayId?: string) => void {
  const shown = new Set<string>();
  return (bundle, displayId) => {
    const write = jupyter.lastWriteDisplayData;
    if (!write) throw new Error("display: no cell is running");
    const update = displayId !== undefined && shown.has(displayId);
    if (displayId !== undefined) shown.add(displayId);
    write({ data: bundle.data, metadata: bundle.metadata, transient: displayId ? { display_id: displayId } : {} } as any, update);
  };
}

export interface KernelParts {
  executor: MagicExecutor;
  handler: GreenaiHandler;
  /** Resolves once `greenai` is declared in the notebook; the first cell waits for it. */
  ready: Promise<void>;
}

/**
 * Builds executor and handler. TypeScript's service is built in the background once kernel_info
 * is answered (startAfter); the handler's queue waits for it before the first cell.
 */
export function createKernelParts(opts: { display?: (bundle: MimeBundle, displayId?: string) => void; meter?: LiveMeter; startAfter?: Promise<void> } = {}): KernelParts {
  const convs = new LazyConverters();
  const errors = new ErrorCollector();
  const base = createExecutor(process.cwd(), convs, errors.console);
  const display = opts.display ?? kernelDisplay();
  setDisplaySink(display);
  const registry = createRegistry();
  const library = { name: "greenai", typesPath: LIB_TYPES, load: () => require(LIB_JS) };
  const executor = new MagicExecutor(base, errors, registry, { display, libTypesPath: LIB_TYPES, library });
  const pkg = require("../../package.json") as { version: string };
  const tsVersion = (require(tslabTypeScriptPath()) as { version: string }).version;
  const handler = new GreenaiHandler(executor, { version: pkg.version, tsVersion }, (w) => {
    (jupyter as { lastWriteDisplayData: unknown }).lastWriteDisplayData = w;
  }, opts.meter);
  const ready = (async () => {
    await (opts.startAfter ?? new Promise((r) => setImmediate(r)));
    // Build tslab's TypeScript service now rather than in the first cell; `greenai` is declared
    // when code first mentions it (MagicExecutor's `library`).
    void convs.node;
  })();
  handler.waitFor(ready);
  return { executor, handler, ready };
}

export async function kernelMain(argv: string[]): Promise<number> {
  let configPath: string;
  try {
    configPath = parseArgs(argv, KERNEL_SPEC).flags["config-path"] as string;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`UsageError: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const meter = kernelMeterFromEnv();
  const gate = new StartupGate(); // the library's compile waits until kernel_info is answered (startup.ts)
  const { executor, handler } = createKernelParts({ meter, startAfter: gate.opened });
  const kernelInfo = handler.handleKernel.bind(handler);
  handler.handleKernel = () => (gate.kernelInfo(), kernelInfo());
  let stopping: Promise<void> | undefined;
  /** The one way the kernel ends: shutdown_request, SIGTERM/SIGHUP, or its parent gone. */
  const shutdown = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      if (why) console.error(`greenai kernel: ${why}; shutting down`);
      // the running magic is aborted: a %tpe run stops its trials and records how they ended
      executor.interrupt();
      // the meter's nvidia-smi is a child too: stop it first so the wait is for trials only
      await meter?.stop();
      await childrenGone(SHUTDOWN_WAIT_MS);
      server.close();
      // late sends (e.g. the shutdown reply) get a moment; then nothing may keep the kernel alive
      await sleep(200);
      process.exit(0);
    })());
  const server = new GreenaiServer(handler, configPath, () => void shutdown(""), meter);
  process.on("SIGINT", () => executor.interrupt());
  for (const sig of ["SIGTERM", "SIGHUP"] as const) process.on(sig, () => void shutdown(`received ${sig}`));
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  watchParent((pid) => void shutdown(`the process that started it (JPY_PARENT_PID ${pid}) is gone`));
  await server.init();
  gate.listening();
  // Sampling starts once the sockets are up (a thread: kernel_info is answered meanwhile).
  if (meter) {
    try {
      meter.start();
      setKernelLiveMeter(meter);
    } catch (e) {
      console.error(`greenai kernel: the energy meter could not start (${(e as Error).message}); cells are not metered`);
    }
  }
  // Keep running until shutdown() exits.
  return new Promise<number>(() => undefined);
}

/** The live energy meter the environment asks for (GREENAI_ENERGY_METER, default auto); undefined when off or misconfigured (said on stderr). */
function kernelMeterFromEnv(): LiveMeter | undefined {
  try {
    const cfg = liveMeterConfigFromEnv(process.env);
    if (!cfg) return undefined;
    const meter = new LiveMeter(cfg);
    const out = cellOutputFromEnv(process.env);
    meter.cellOutput = out.on;
    meter.cellOutputProblem = out.problem;
    if (out.problem) console.error(`greenai kernel: ${out.problem}`);
    return meter;
  } catch (e) {
    console.error(`greenai kernel: ${(e as Error).message}; the energy meter is off`);
    return undefined;
  }
}

/** How long shutdown waits for the kernel's child processes (trial supervisors) to end: above the default trial grace of 5 s. */
const SHUTDOWN_WAIT_MS = 10_000;

/** Resolves once this process has no live descendants, or after `ms`. */
async function childrenGone(ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (descendants(process.pid).length > 0 && Date.now() < until) await sleep(50);
}

/**
 * Like IPython's ParentPollerUnix: Jupyter puts its own pid in JPY_PARENT_PID; once that process
 * is gone, or this process was re-parented away from it, `onGone` runs. Polls once a second;
 * does nothing without JPY_PARENT_PID (a kernel started by hand lives on its own).
 */
export function watchParent(onGone: (pid: number) => void, env: NodeJS.ProcessEnv = process.env, everyMs = 1000): NodeJS.Timeout | undefined {
  const pid = Number(env.JPY_PARENT_PID);
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  const startPpid = process.ppid;
  const timer = setInterval(() => {
    // the parent is gone when its pid is; a direct parent also when this process was re-parented
    if (!isAlive(pid) || (pid === startPpid && process.ppid !== startPpid)) {
      clearInterval(timer);
      onGone(pid);
    }
  }, everyMs);
  timer.unref();
  return timer;
}
