import { createHmac } from "crypto";
import { globToRegExp, HISTORY_SESSION, InputHistory } from "../../kernel/src/kernel/history";
import { peekMsgType, WireMessage } from "../../kernel/src/kernel/wire";

describe("InputHistory", () => {
  const h = new InputHistory();
  ["let a = 1", "%echo x", "a + 1", "%echo x", "%echo y"].forEach((code, i) => h.add(i + 1, code));
  const inputs = (r: ReturnType<InputHistory["reply"]>) => r.history.map((e) => [e[1], e[2]]);

  it("gives the last n inputs for tail (10 by default)", () => {
    expect(inputs(h.reply({ hist_access_type: "tail", n: 2 }))).toEqual([[4, "%echo x"], [5, "%echo y"]]);
    expect(h.reply({ hist_access_type: "tail" }).history).toHaveLength(5);
    expect(h.reply({ hist_access_type: "tail", n: 0 }).history).toEqual([]);
    expect(h.reply({ hist_access_type: "tail", n: 1 }).history[0][0]).toBe(HISTORY_SESSION);
  });

  it("gives lines start ≤ line < stop of the current session for range", () => {
    expect(inputs(h.reply({ hist_access_type: "range", session: 0, start: 2, stop: 4 }))).toEqual([[2, "%echo x"], [3, "a + 1"]]);
    expect(h.reply({ hist_access_type: "range", session: HISTORY_SESSION, start: 5 }).history).toHaveLength(1);
    expect(h.reply({ hist_access_type: "range", session: -1, start: 1 }).history).toEqual([]); // earlier sessions are not kept
  });

  it("searches with globs, the last n, optionally unique", () => {
    expect(inputs(h.reply({ hist_access_type: "search", pattern: "%echo*" }))).toEqual([[2, "%echo x"], [4, "%echo x"], [5, "%echo y"]]);
    expect(inputs(h.reply({ hist_access_type: "search", pattern: "%echo*", unique: true }))).toEqual([[4, "%echo x"], [5, "%echo y"]]);
    expect(inputs(h.reply({ hist_access_type: "search", pattern: "%echo ?", n: 1 }))).toEqual([[5, "%echo y"]]);
    expect(h.reply({ hist_access_type: "search", pattern: "a" }).history).toEqual([]); // whole input, as IPython
  });

  it("pairs each input with a null output when outputs are asked for", () => {
    expect(h.reply({ hist_access_type: "tail", n: 1, output: true }).history).toEqual([[HISTORY_SESSION, 5, ["%echo y", null]]]);
  });

  it("treats regex characters in a glob literally", () => {
    expect(globToRegExp("a+(b)*").test("a+(b) and more")).toBe(true);
    expect(globToRegExp("a+(b)*").test("aa(b)")).toBe(false);
  });
});

describe("WireMessage", () => {
  const key = "secret";
  const frames = (sig?: string) => {
    const parts = [{ msg_id: "m1", msg_type: "history_request", session: "s1", username: "u" }, {}, {}, { n: 3 }].map((x) => Buffer.from(JSON.stringify(x)));
    const h = createHmac("sha256", key);
    parts.forEach((p) => h.update(p));
    return [Buffer.from("client-id"), Buffer.from("<IDS|MSG>"), Buffer.from(sig ?? h.digest("hex")), ...parts];
  };

  it("peeks the type, parses, checks the signature and signs a reply to the same identity", () => {
    expect(peekMsgType(frames())).toBe("history_request");
    expect(peekMsgType([Buffer.from("junk")])).toBeUndefined();
    const m = WireMessage.fromFrames(key, frames());
    expect(m.content).toEqual({ n: 3 });
    const r = m.createReply();
    r.header.msg_type = "history_reply";
    r.content = { status: "ok", history: [] };
    let sent: (Buffer | string)[] = [];
    r.signAndSend(key, { send: (f) => (sent = f) });
    const back = WireMessage.fromFrames(key, sent.map((f) => Buffer.from(f)));
    expect(back.identity.map(String)).toEqual(["client-id"]);
    expect(back.parent.msg_id).toBe("m1");
    expect(back.header).toMatchObject({ msg_type: "history_reply", session: "s1" });
    expect(back.content).toEqual({ status: "ok", history: [] });
  });

  it("rejects a message whose signature does not match", () => {
    expect(() => WireMessage.fromFrames(key, frames("0".repeat(64)))).toThrow(/signature does not match/);
  });
});
