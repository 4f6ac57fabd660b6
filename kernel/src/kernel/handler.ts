/**
 * The Jupyter request handler: tslab's JupyterHandlerImpl with the protocol fixed
 * (error triples, stop_on_error, is_complete for magics, a true kernel_info) and magic
 * help and completion. Message shapes follow the Jupyter messaging spec 5.3.
 */
import { TextDecoder } from "util";
import { isCompleteCode } from "tslab/dist/converter";
import { printQuickInfo } from "tslab/dist/inspect";
import type { CellEnergyPayload } from "greenai-common";
import { presentCellEnergy } from "../display/cell-energy";
import type { MagicExecutor } from "./executor";
import type { CellError } from "./errors";
import { InputHistory, type HistoryRequest } from "./history";
import { hasMagic, maskMagicLines } from "./segments";

export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

export type ExecuteReply =
  | { status: "ok"; execution_count: number; user_expressions: object; payload: unknown[] }
  | ({ status: "error"; execution_count: number } & CellError)
  | { status: "aborted"; execution_count: null };

type WriteStream = (name: "stdout" | "stderr", text: string) => void;
type WriteDisplay = (data: object, update: boolean) => void;
type WriteError = (error: CellError) => void;

/** Where one request's outputs go (iopub messages with that request as parent). */
export interface ExecuteWriters {
  stream: WriteStream;
  display: WriteDisplay;
  error: WriteError;
  /** execute_input, sent when the cell starts with its execution count. */
  input: (count: number) => void;
}

/** Gives a cell its energy when it ends (the kernel's live meter); undefined: nothing to report. */
export interface CellMeter {
  endCell(startMs: number, endMs: number, info: { cellId?: string; executionCount?: number }): CellEnergyPayload | undefined;
  /** Whether each metered cell also gets its energy as an output (`%energy meter --cell-output on`). */
  readonly cellOutput?: boolean;
}

/** An execute_reply's content and its message metadata (`greenai_energy` when metered). */
export interface ExecuteOutcome {
  reply: ExecuteReply;
  metadata: Record<string, unknown>;
}

const decoder = new TextDecoder();

export class GreenaiHandler {
  private execCount = 0;
  /** Sequence number of the last execute_request received. */
  private arrived = 0;
  /** Requests with a sequence number ≤ this are aborted (they were queued behind a failure). */
  private abortUpTo = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly history = new InputHistory();

  constructor(
    readonly executor: MagicExecutor,
    private readonly info: { version: string; tsVersion: string },
    /** Sets tslab's module-global display writer (so `tslab.display` works in cells too). */
    private readonly setDisplayWriter: (w: WriteDisplay) => void,
    /** The live energy meter; absent with GREENAI_ENERGY_METER=off. */
    private readonly meter?: CellMeter,
  ) {}

  /** Makes the next request wait for `p` (start-up work such as declaring the library). */
  waitFor(p: Promise<unknown>): void {
    this.queue = this.queue.then(() => p).catch(() => undefined);
  }

  handleKernel() {
    return {
      status: "ok",
      protocol_version: "5.3",
      implementation: "greenai",
      implementation_version: this.info.version,
      language_info: {
        name: "typescript",
        version: this.info.tsVersion,
        mimetype: "text/typescript",
        file_extension: ".ts",
        codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
      },
      banner: `greenai ${this.info.version}: TypeScript ${this.info.tsVersion} on Node ${process.versions.node} (tslab) with magics; %lsmagic lists them`,
      help_links: [],
    };
  }

  /**
   * Runs requests one at a time, in arrival order. A failure with stop_on_error (the default)
   * aborts the requests already queued behind it, as IPython does; later ones run normally.
   * A non-silent cell that ran gets its energy in the metadata (`greenai_energy`, echoing
   * `cellId`, the request metadata's cell id that JupyterLab sends); silent requests are no
   * cells, and their time counts as idle. With the meter's cellOutput on, the energy is also
   * sent as a display_data (display/cell-energy.ts) before the reply and idle, so every frontend,
   * nbclient included, keeps it with the cell.
   */
  async handleExecute(req: ExecuteRequest, out: ExecuteWriters, meta: { cellId?: string } = {}): Promise<ExecuteOutcome> {
    let startMs = 0;
    let count = 0;
    const reply = await this.run(req, out, (t, c) => ((startMs = t), (count = c)));
    const metadata: Record<string, unknown> = {};
    if (this.meter && !req.silent && reply.status !== "aborted") {
      try {
        const e = this.meter.endCell(startMs, Date.now(), { cellId: meta.cellId, executionCount: count });
        if (e) {
          metadata.greenai_energy = e;
          if (this.meter.cellOutput) {
            const b = presentCellEnergy(e);
            out.display({ data: b.data, metadata: b.metadata }, false);
          }
        }
      } catch (err) {
        console.error(`greenai kernel: the cell's energy could not be computed: ${(err as Error).message}`);
      }
    }
    return { reply, metadata };
  }

  private run(req: ExecuteRequest, out: ExecuteWriters, started: (ms: number, count: number) => void): Promise<ExecuteReply> {
    const seq = ++this.arrived;
    const run = async (): Promise<ExecuteReply> => {
      if (seq <= this.abortUpTo) return { status: "aborted", execution_count: null };
      process.stdout.write = this.toIopub("stdout", out.stream);
      process.stderr.write = this.toIopub("stderr", out.stream);
      this.setDisplayWriter(out.display);
      // The counter counts requests that store history (silent implies not), as in IPython.
      const stored = !req.silent && req.store_history !== false;
      const count = stored ? ++this.execCount : this.execCount;
      started(Date.now(), count);
      if (!req.silent) out.input(count);
      if (stored) this.history.add(count, req.code);
      let ok: boolean;
      let error: CellError | undefined;
      try {
        ok = await this.executor.execute(req.code);
        error = this.executor.lastError;
      } catch (e) {
        ok = false;
        error = { ename: "InternalError", evalue: String(e), traceback: [String(e)] };
      }
      if (ok) return { status: "ok", execution_count: count, user_expressions: {}, payload: [] };
      const err = error ?? { ename: "Error", evalue: "execution failed", traceback: [] };
      if (!req.silent) out.error(err);
      if (req.stop_on_error !== false) this.abortUpTo = this.arrived;
      return { status: "error", execution_count: count, ...err };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private toIopub(name: "stdout" | "stderr", writeStream: WriteStream) {
    return (chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown): boolean => {
      writeStream(name, typeof chunk === "string" ? chunk : decoder.decode(chunk));
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof done === "function") done();
      return true;
    };
  }

  handleIsComplete(req: { code: string }) {
    if (hasMagic(req.code)) {
      // Magic lines are complete unless continued with a trailing backslash; check the TS around them.
      if (/\\\s*$/.test(req.code)) return { status: "incomplete", indent: "" };
      const res = isCompleteCode(maskMagicLines(req.code));
      return res.completed ? { status: "complete" } : { status: "incomplete", indent: res.indent ?? "" };
    }
    const res = isCompleteCode(req.code);
    return res.completed ? { status: "complete" } : { status: "incomplete", indent: res.indent ?? "" };
  }

  handleInspect(req: { code: string; cursor_pos: number }) {
    const help = this.executor.magicHelpAt(req.code, req.cursor_pos);
    if (help !== undefined) return { status: "ok", found: true, data: { "text/plain": help }, metadata: {} };
    const info = this.executor.inspect(req.code, req.cursor_pos);
    if (!info) return { status: "ok", found: false, data: {}, metadata: {} };
    return { status: "ok", found: true, data: { "text/plain": printQuickInfo(info) }, metadata: {} };
  }

  handleComplete(req: { code: string; cursor_pos: number }) {
    const info = this.executor.complete(req.code, req.cursor_pos);
    return { cursor_start: info.start, cursor_end: info.end, matches: info.candidates, metadata: {}, status: "ok" };
  }

  handleHistory(req: HistoryRequest) {
    return this.history.reply(req);
  }

  handleShutdown(req: { restart?: boolean }) {
    return { status: "ok", restart: req?.restart === true };
  }

  close(): void {
    this.executor.close();
  }
}
