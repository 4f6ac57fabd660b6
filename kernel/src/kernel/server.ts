/**
 * tslab's ZmqServer with what it gets wrong fixed: comm_info and error replies, sends, and
 * history_request (tslab logs "unknown msg_type" and never replies); and what it lacks: comms
 * (tslab ignores comm_open/comm_msg/comm_close) for the live energy meter's `greenai.energy`
 * target, and each cell's energy in its execute_reply metadata (`greenai_energy`) and, with
 * `%energy meter --cell-output on`, as a display_data sent before that reply (handler.ts).
 * zeromq.js 6 allows one send in flight per socket and rejects the next ("Socket is busy
 * writing"); tslab does not await its sends, so under load messages (even `idle`) were lost.
 */
import { ZmqServer } from "tslab/dist/jupyter";
import type { LiveMeter } from "../energy/live-meter";
import type { GreenaiHandler } from "./handler";
import type { CellError } from "./errors";
import { peekMsgType, WireMessage, type Sendable } from "./wire";

/** The parts of tslab's (unexported) ZmqMessage that we use. */
interface Message {
  content: any;
  metadata?: Record<string, unknown>;
  createReply(): { header: { msg_type: string }; content: unknown; metadata?: Record<string, unknown>; signAndSend(key: string, sock: Sendable): void };
}

/** The comm target of the live energy meter (the JupyterLab status bar opens it). */
export const ENERGY_COMM_TARGET = "greenai.energy";
/** How often an open `greenai.energy` comm gets the meter's state, ms (only while the event loop is free). */
export const ENERGY_COMM_PERIOD_MS = 2000;
/** History sent with the first message after comm_open: span and most points. */
const HISTORY_SPAN_MS = 5 * 60_000;
const HISTORY_POINTS = 300;
const COMM_MSG_TYPES = new Set(["comm_open", "comm_msg", "comm_close"]);

export class GreenaiServer extends ZmqServer {
  /** `onClose` runs after the sockets close: tslab closes them once it has answered a shutdown_request. */
  /** Open `greenai.energy` comms: comm_id → the comm_open message (parent of what is sent on it). */
  private readonly comms = new Map<string, WireMessage>();
  private commTimer?: NodeJS.Timeout;

  constructor(
    private readonly greenai: GreenaiHandler,
    configPath: string,
    private readonly onClose: () => void = () => undefined,
    /** The live energy meter; undefined with GREENAI_ENERGY_METER=off (the comm target is then refused). */
    private readonly meter?: LiveMeter,
  ) {
    super(greenai as any, configPath);
  }

  /** Whether close() has run (the sockets are closed). */
  closed = false;

  override close(): void {
    if (this.closed) return;
    this.closed = true;
    this.comms.clear();
    this.stopCommTimer();
    super.close();
    this.onClose();
  }

  override async init(): Promise<void> {
    await super.init();
    // Sockets' own `send` is read-only: replace the sockets with queuing proxies.
    this.iopub = serializeSends(this.iopub);
    this.shell = serializeSends(this.shell);
    this.control = serializeSends(this.control);
  }

  private send(sock: Sendable, parent: Message | WireMessage, msgType: string, content: unknown, metadata?: Record<string, unknown>): void {
    const m = parent.createReply();
    m.header.msg_type = msgType;
    m.content = content;
    // tslab's messages carry metadata (the WireMessage of history/comm replies sends {})
    if (metadata && "metadata" in m) m.metadata = metadata;
    m.signAndSend(this.connInfo.key, sock);
  }

  override async handleShellMessage(sock: any, ...frames: Buffer[]): Promise<void> {
    const type = peekMsgType(frames);
    if (type !== "history_request" && !COMM_MSG_TYPES.has(type ?? "")) return super.handleShellMessage(sock, ...frames);
    let msg: WireMessage;
    try {
      msg = WireMessage.fromFrames(this.connInfo.key, frames);
    } catch (e) {
      console.error(`greenai kernel: ${type} dropped: ${(e as Error).message}`);
      return;
    }
    this.publishStatus("busy", msg as any);
    try {
      if (type === "history_request") this.send(sock, msg, "history_reply", this.greenai.handleHistory(msg.content));
      else this.handleComm(type as string, msg);
    } catch (e) {
      console.error(`greenai kernel: ${type} failed: ${(e as Error).message}`);
    } finally {
      this.publishStatus("idle", msg as any);
    }
  }

  /** comm_open / comm_msg / comm_close (messaging spec, "Custom messages"); only `greenai.energy` is a target. */
  private handleComm(type: string, msg: WireMessage): void {
    const id = String(msg.content?.comm_id ?? "");
    if (type === "comm_open") {
      const target = String(msg.content?.target_name ?? "");
      if (target !== ENERGY_COMM_TARGET || !this.meter || !id) {
        // the spec: a kernel without the target closes the comm at once
        const why = target !== ENERGY_COMM_TARGET ? `no comm target ${JSON.stringify(target)} in the greenai kernel (it has ${ENERGY_COMM_TARGET})` : "the energy meter is off (GREENAI_ENERGY_METER=off)";
        this.send(this.iopub, msg, "comm_close", { comm_id: id, data: { error: why } });
        return;
      }
      this.comms.set(id, msg);
      this.sendEnergy([id], true);
      this.startCommTimer();
      return;
    }
    if (!this.comms.has(id)) return; // a comm we do not have (closed, or another target's): nothing to do
    if (type === "comm_close") {
      this.comms.delete(id);
      if (this.comms.size === 0) this.stopCommTimer();
      return;
    }
    // comm_msg: the frontend asks for the state now ({history: true} adds the history)
    this.sendEnergy([id], msg.content?.data?.history === true);
  }

  private sendEnergy(ids: readonly string[], withHistory: boolean): void {
    if (!this.meter || this.closed || ids.length === 0) return;
    const now = Date.now();
    const data: Record<string, unknown> = { ...this.meter.snapshot(now) };
    if (withHistory) data.history = this.meter.history(now, HISTORY_SPAN_MS, HISTORY_POINTS);
    for (const id of ids) {
      const parent = this.comms.get(id);
      if (parent) this.send(this.iopub, parent, "comm_msg", { comm_id: id, data });
    }
  }

  private startCommTimer(): void {
    if (this.commTimer) return;
    // A timer fires only while the event loop is free: during a synchronous busy cell nothing is
    // sent; the messages resume after it (the cell's own energy is still exact).
    this.commTimer = setInterval(() => this.sendEnergy([...this.comms.keys()], false), ENERGY_COMM_PERIOD_MS);
    this.commTimer.unref();
  }

  private stopCommTimer(): void {
    if (this.commTimer) clearInterval(this.commTimer);
    this.commTimer = undefined;
  }

  override handleCommInfoRequest(sock: any, msg: any): void {
    const want = (msg as Message).content?.target_name as string | undefined;
    const comms: Record<string, { target_name: string }> = {};
    if (!want || want === ENERGY_COMM_TARGET) for (const id of this.comms.keys()) comms[id] = { target_name: ENERGY_COMM_TARGET };
    this.send(sock, msg as Message, "comm_info_reply", { status: "ok", comms });
  }

  override async handleExecute(sock: any, msg: any): Promise<void> {
    const m = msg as Message;
    const cellId = m.metadata?.cellId;
    const { reply, metadata } = await this.greenai.handleExecute(
      m.content,
      {
        stream: (name, text) => this.send(this.iopub, m, "stream", { name, text }),
        display: (data, update) => this.send(this.iopub, m, update ? "update_display_data" : "display_data", data),
        error: (e: CellError) => this.send(this.iopub, m, "error", e),
        input: (count) => this.send(this.iopub, m, "execute_input", { code: m.content.code, execution_count: count }),
      },
      { cellId: typeof cellId === "string" ? cellId : undefined },
    );
    this.send(sock, m, "execute_reply", reply, metadata);
  }
}

/** A proxy of the socket whose sends each start after the previous one finished. */
export function serializeSends<S extends { send: (msg: any) => Promise<void> }>(sock: S): S {
  let last: Promise<void> = Promise.resolve();
  const send = (msg: any) => {
    // After shutdown the sockets are closed; late messages (e.g. idle) have nowhere to go.
    const next = last.then(() => ((sock as { closed?: boolean }).closed ? undefined : sock.send(msg)));
    last = next.catch((e) => console.error("greenai kernel: a message could not be sent:", e));
    return next;
  };
  return new Proxy(sock, {
    get(target, prop) {
      if (prop === "send") return send;
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
