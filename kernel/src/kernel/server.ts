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
    const reply = await this.greenai.handleExecute(m.content, {
      stream: (name, text) => this.send(this.iopub, m, "stream", { name, text }),
      display: (data, update) => this.send(this.iopub, m, update ? "update_display_data" : "display_data", data),
      error: (e: CellError) => this.send(this.iopub, m, "error", e),
      input: (count) => this.send(this.iopub, m, "execute_input", { code: m.content.code, execution_count: count }),
    });
    this.send(sock, m, "execute_reply", reply);
  }
}
