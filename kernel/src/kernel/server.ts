/** tslab's ZmqServer with the two replies it gets wrong: comm_info and error outputs. */
import { ZmqServer } from "tslab/dist/jupyter";
import type { GreenaiHandler } from "./handler";
import type { CellError } from "./errors";

/** The parts of tslab's (unexported) ZmqMessage that we use. */
interface Message {
  content: any;
  createReply(): { header: { msg_type: string }; content: unknown; signAndSend(key: string, sock: unknown): void };
}

export class GreenaiServer extends ZmqServer {
  constructor(private readonly greenai: GreenaiHandler, configPath: string) {
    super(greenai as any, configPath);
  }

  private send(sock: unknown, parent: Message, msgType: string, content: unknown): void {
    const m = parent.createReply();
    m.header.msg_type = msgType;
    m.content = content;
    m.signAndSend(this.connInfo.key, sock);
  }

  override handleCommInfoRequest(sock: any, msg: any): void {
    this.send(sock, msg as Message, "comm_info_reply", { status: "ok", comms: {} });
  }

  override async handleExecute(sock: any, msg: any): Promise<void> {
    const m = msg as Message;
    const writeStream = (name: string, text: string) => this.send(this.iopub, m, "stream", { name, text });
    const writeDisplay = (data: object, update: boolean) => this.send(this.iopub, m, update ? "update_display_data" : "display_data", data);
    const writeError = (e: CellError) => this.send(this.iopub, m, "error", e);
    if (!m.content.silent) {
      this.send(this.iopub, m, "execute_input", { code: m.content.code, execution_count: null });
    }
    const reply = await this.greenai.handleExecute(m.content, writeStream, writeDisplay, writeError);
    this.send(sock, m, "execute_reply", reply);
  }
}
