/**
 * Jupyter wire messages, for the requests tslab's server does not route (history_request).
 * Frames: identities…, "<IDS|MSG>", HMAC-SHA256 signature, header, parent_header, metadata,
 * content, buffers… (messaging spec, "The wire protocol"). The reply object has the shape
 * tslab's own messages have, so tslab's publishStatus accepts it.
 */
import { createHmac, randomBytes, timingSafeEqual } from "crypto";

const DELIM = Buffer.from("<IDS|MSG>");

/** A ZeroMQ socket, as far as sending goes. */
export interface Sendable {
  send(frames: (Buffer | string)[]): unknown;
}

/** The msg_type of a raw message, read without checking its signature (for routing only). */
export function peekMsgType(frames: Buffer[]): string | undefined {
  const i = frames.findIndex((f) => f.equals(DELIM));
  if (i < 0 || i + 2 >= frames.length) return undefined;
  try {
    return JSON.parse(frames[i + 2].toString()).msg_type;
  } catch {
    return undefined;
  }
}

function sign(key: string, parts: (Buffer | string)[]): string {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export class WireMessage {
  constructor(
    readonly identity: Buffer[],
    readonly header: Record<string, any>,
    readonly parent: Record<string, any>,
    public content: any,
  ) {}

  /** Parses and checks the signature (an empty key means unsigned messages, as in jupyter_client). */
  static fromFrames(key: string, frames: Buffer[]): WireMessage {
    const i = frames.findIndex((f) => f.equals(DELIM));
    if (i < 0 || frames.length < i + 6) throw new Error("not a Jupyter message: no <IDS|MSG> delimiter or too few frames");
    const parts = frames.slice(i + 2, i + 6);
    if (key) {
      const want = Buffer.from(sign(key, parts));
      const got = frames[i + 1];
      if (got.length !== want.length || !timingSafeEqual(got, want)) throw new Error("message signature does not match the connection key");
    }
    const [header, parent, , content] = parts.map((p) => JSON.parse(p.toString()));
    return new WireMessage(frames.slice(0, i), header, parent, content);
  }

  /** A reply to this message (same identities and session); set header.msg_type and content. */
  createReply(): WireMessage {
    const header = {
      msg_id: randomBytes(16).toString("hex"),
      msg_type: this.header.msg_type,
      session: this.header.session,
      username: this.header.username,
      date: new Date().toISOString(),
      version: "5.3",
    };
    return new WireMessage(this.identity, header, this.header, {});
  }

  signAndSend(key: string, sock: Sendable): void {
    const bodies = [this.header, this.parent, {}, this.content].map((x) => JSON.stringify(x));
    sock.send([...this.identity, DELIM, key ? sign(key, bodies) : "", ...bodies]);
  }
}
