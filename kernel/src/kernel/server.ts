/**
 * tslab's ZmqServer with what it gets wrong fixed: comm_info and error replies, sends, and
 * history_request (tslab logs "unknown msg_type" and never replies).
 * zeromq.js 6 allows one send in flight per socket and rejects the next ("Socket is busy
 * writing"); tslab does not await its sends, so under load messages (even `idle`) were lost.
 */
import { ZmqServer } from "tslab/dist/jupyter";
import type { GreenaiHandler } from "./handler";
import type { CellError } from "./errors";
import { peekMsgType, WireMessage, type Sendable } from "./wire";

/** The parts of tslab's (unexported) ZmqMessage that we use. */
interface Message {
  content: any;
  createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, sock: Sendable): void };
}

export class GreenaiServer extends ZmqServer {
  /** `onClose` runs after the sockets close: tslab closes them once it has answered a shutdown_request. */
  constructor(private readonly greenai: GreenaiHandler, configPath: string, private readonly onClose: () => void = () => undefined) {
    super(greenai as any, configPath);
  }

  /** Whether close() has run (the sockets are closed). */
  closed = false;

  override close(): void {
    if (this.closed) return;
    this.closed = true;
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

  private send(sock: Sendable, parent: Message | WireMessage, msgType: string, content: unknown): void {
    const m = parent.createReply();
    m.header.msg_type = msgType;
    m.content = content;
    m.signAndSend(this.connInfo.key, sock);
  }

  override async handleShellMessage(sock: any, ...frames: Buffer[]): Promise<void> {
    if (peekMsgType(frames) !== "history_request") return super.handleShellMessage(sock, ...frames);
    let msg: WireMessage;
    try {
      msg = WireMessage.fromFrames(this.connInfo.key, frames);
    } catch (e) {
      console.error(`greenai kernel: history_request dropped: ${(e as Error).message}`);
      return;
    }
    this.publishStatus("busy", msg as any);
    try {
      this.send(sock, msg, "history_reply", this.greenai.handleHistory(msg.content));
    } finally {
      this.publishStatus("idle", msg as any);
    }
  }

  override handleCommInfoRequest(sock: any, msg: any): void {
    this.send(sock, msg as Message, "comm_info_reply", { status: "ok", comms: {} });
  }

  override async handleExecute(sock: any, msg: any): Promise<void> {
    const m = msg as Message;
    const reply = await this.greenai.handleExecute(m.content, {
      stream: (name, text) => this.send(this.iopub, m, "stream", { name, text }),
      display: (data, update) => this.send(this.iopub, m, update ? "update_display_data" : "display_data", data),
      error: (e: CellError) => this.send(this.iopub, m, "error", e),
      input: (count) => this.send(this.iopub, m, "execute_input", { code: m.content.code, execution_count: count }),
    });
    this.send(sock, m, "execute_reply", reply);
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
