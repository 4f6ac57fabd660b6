/**
 * The kernel over the real Jupyter protocol (jupyter_client, ZMQ), started in a temporary
 * folder outside the repository from a kernelspec written by `greenai install --prefix`.
 */
import { KernelSession, kernelTestsUnavailable, streamText, type ExecResult } from "../helpers/kernel-session";

const why = kernelTestsUnavailable();
const suite = why ? describe.skip : describe;
if (why) console.warn(`SKIPPED kernel protocol tests: ${why}`);

const errorOf = (r: ExecResult) => r.iopub.find((m) => m.msg_type === "error")?.content;

suite(`kernel protocol${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  let k: KernelSession;
  beforeAll(async () => {
    k = await new KernelSession().start();
  }, 120000);
  afterAll(async () => {
    await k?.stop();
  });

  it("answers kernel_info with status ok and the real TypeScript version", async () => {
    const { reply } = await k.request({ op: "kernel_info" });
    expect(reply.status).toBe("ok");
    expect(reply.language_info.name).toBe("typescript");
    expect(reply.language_info.version).toMatch(/^5\.\d+\.\d+/);
    expect(reply.implementation).toBe("greenai");
  });

  it("runs a plain cell and prints its last expression", async () => {
    const r = await k.execute("1+1");
    expect(r.reply.status).toBe("ok");
    expect(streamText(r)).toBe("2\n");
  });

  it("has Node's types and the greenai library in a folder without node_modules", async () => {
    const r = await k.execute("console.log(process.platform, typeof greenai.makeBundle)");
    expect(r.reply.status).toBe("ok");
    expect(streamText(r)).toBe(`${process.platform} function\n`);
  });

  it("runs TypeScript and magic lines of one cell in order", async () => {
    const r = await k.execute("let x = 41\n%lsmagic\nx + 1");
    expect(r.reply.status).toBe("ok");
    const kinds = r.iopub.map((m) => m.msg_type);
    expect(kinds).toContain("display_data");
    const disp = r.iopub.find((m) => m.msg_type === "display_data")!.content;
    expect(Object.keys(disp.data)).toEqual(expect.arrayContaining(["text/html", "text/plain"]));
    expect(disp.data["text/plain"]).toMatch(/%lsmagic/);
    // The display comes before the final expression's output.
    const iDisp = r.iopub.findIndex((m) => m.msg_type === "display_data");
    const iOut = r.iopub.findIndex((m) => m.msg_type === "stream" && m.content.text === "42\n");
    expect(iOut).toBeGreaterThan(iDisp);
  });

  it("reports an unknown magic as a UsageError and stays usable", async () => {
    const r = await k.execute("%nosuchmagic --x");
    expect(r.reply.status).toBe("error");
    expect(r.reply.ename).toBe("UsageError");
    expect(r.reply.evalue).toMatch(/unknown magic %nosuchmagic/);
    expect(errorOf(r).ename).toBe("UsageError");
    const next = await k.execute("2*3");
    expect(streamText(next)).toBe("6\n");
  });

  it("names a bad flag and shows usage", async () => {
    const r = await k.execute("%sleep 0 --stepp 1");
    expect(r.reply.ename).toBe("UsageError");
    expect(r.reply.evalue).toMatch(/unknown option "--stepp".*known: --step/);
    expect(r.reply.traceback.join("\n")).toMatch(/Usage: %sleep SECONDS/);
  });

  it("reports a type error as TSError with line and column", async () => {
    const r = await k.execute("const ok = 1\nlet s: number = 'a'");
    expect(r.reply.status).toBe("error");
    expect(r.reply.ename).toBe("TSError");
    expect(r.reply.evalue).toMatch(/^2:5 - Type 'string' is not assignable to type 'number'/);
    expect(errorOf(r).traceback.length).toBeGreaterThan(0);
  });

  it("keeps line numbers of a type error after a magic line", async () => {
    const r = await k.execute("%echo hi\nlet s2: number = 'a'");
    expect(r.reply.evalue).toMatch(/^2:5 - /);
  });

  it("reports a thrown error with its name and message", async () => {
    const r = await k.execute("throw new RangeError('boom')");
    expect(r.reply).toMatchObject({ status: "error", ename: "RangeError", evalue: "boom" });
    expect(errorOf(r)).toMatchObject({ ename: "RangeError", evalue: "boom" });
  });

  it("binds a magic result with --as to a typed variable", async () => {
    const r = await k.execute("%lsmagic --as listing");
    expect(r.reply.status).toBe("ok");
    const use = await k.execute("listing.magics.map(m => m.name).includes('echo')");
    expect(streamText(use)).toBe("true\n");
    // The binding is typed: a wrong property is a type error, not undefined.
    const bad = await k.execute("listing.nonexistent");
    expect(bad.reply.ename).toBe("TSError");
  });

  it("runs a TypeScript-bodied cell magic (%%time) and completes inside its body", async () => {
    const r = await k.execute("%%time --as timing\nconst big = Array.from({ length: 1000 }, (_, i) => i);\nbig.length");
    expect(r.reply.status).toBe("ok");
    expect(streamText(r)).toBe("1000\n");
    const shown = r.iopub.find((m) => m.msg_type === "display_data")!.content;
    expect(shown.data["text/plain"]).toMatch(/^Wall time: \d+\.\d ms$/);
    expect(streamText(await k.execute("typeof timing.wall_ms"))).toBe("number\n");
    const bad = await k.execute("%%time\nlet q: string = 1");
    expect(bad.reply.ename).toBe("TSError");
    expect(bad.reply.evalue).toMatch(/^2:5 - /);
    const continued = await k.execute("%%time \\\n  --as t2\nlet q2: string = 1");
    expect(continued.reply.evalue).toMatch(/^3:5 - /); // line numbers count the continued header
    const code = "%%time\nconst zzlong = 1;\nzzl";
    const { reply } = await k.request({ op: "complete", code, cursor_pos: code.length });
    expect(reply.matches).toContain("zzlong");
  });

  it("meters the TypeScript body of a cell with %%energy measure", async () => {
    const r = await k.execute(
      "%%energy measure --meter estimate --interval-ms 50 --as used\nlet acc = 0;\nfor (let i = 0; i < 3e6; i++) acc += i;\nawait new Promise((r) => setTimeout(r, 400));\nacc",
    );
    expect(r.reply.status).toBe("ok");
    expect(streamText(r)).toBe("4499998500000\n");
    const shown = r.iopub.find((m) => m.msg_type === "display_data" && !m.content.transient?.display_id)!.content;
    expect(Object.keys(shown.data)).toContain("application/vnd.greenai.timeseries+json");
    const check = await k.execute("[used.energy_j > 0, used.meter.measured, used.command]");
    expect(streamText(check)).toBe("[ true, false, null ]\n");
  });

  it("prints JSON with --json", async () => {
    const r = await k.execute("%echo a b --json");
    const disp = r.iopub.find((m) => m.msg_type === "display_data")!.content;
    expect(disp.data["application/json"]).toEqual({ text: "a b" });
  });

  it("shows help for %name? and --help", async () => {
    for (const code of ["%sleep?", "%sleep --help"]) {
      const r = await k.execute(code);
      expect(r.reply.status).toBe("ok");
      expect(streamText(r)).toMatch(/Usage: %sleep SECONDS[\s\S]*--step NUMBER/);
    }
  });

  it("shows progress by updating one display", async () => {
    const r = await k.execute("%sleep 0.5 --step 0.05");
    expect(r.reply.status).toBe("ok");
    const first = r.iopub.filter((m) => m.msg_type === "display_data" && m.content.transient?.display_id);
    const updates = r.iopub.filter((m) => m.msg_type === "update_display_data");
    expect(first.length).toBe(1);
    expect(updates.length).toBeGreaterThan(1);
    const id = first[0].content.transient.display_id;
    expect(updates.every((u) => u.content.transient.display_id === id)).toBe(true);
    // The line left in the notebook says how the work ended.
    expect(updates[updates.length - 1].content.data["text/plain"]).toMatch(/^%sleep 0\.5: done after \d+\.\d s$/);
  });

  it("interrupts a running magic and stays usable", async () => {
    const { msg_id } = await k.request({ op: "execute_nowait", code: "%sleep 30" });
    await k.request({ op: "started", msg_id });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await k.request({ op: "interrupt" });
    const r = await k.request({ op: "collect", msg_id, timeout: 20 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.reply.status).toBe("error");
    expect(r.reply.ename).toBe("InterruptedError");
    expect(streamText(await k.execute("'alive'"))).toBe("alive\n");
  });

  it("interrupts an awaiting TypeScript cell", async () => {
    const { msg_id } = await k.request({ op: "execute_nowait", code: "await new Promise(r => setTimeout(r, 30000))" });
    await k.request({ op: "started", msg_id });
    await new Promise((r) => setTimeout(r, 1000)); // past type checking, into the await
    await k.request({ op: "interrupt" });
    const r = await k.request({ op: "collect", msg_id, timeout: 20 });
    expect(r.reply.ename).toBe("InterruptedError");
    expect(streamText(await k.execute("1"))).toBe("1\n");
  });

  it("aborts cells queued behind a failure only when stop_on_error is set", async () => {
    const a = await k.request({ op: "execute_nowait", code: "%sleep 0.3\nthrow new Error('first')" });
    const b = await k.request({ op: "execute_nowait", code: "'queued'" });
    const ra = await k.request({ op: "collect", msg_id: a.msg_id });
    const rb = await k.request({ op: "collect", msg_id: b.msg_id });
    expect(ra.reply.status).toBe("error");
    expect(rb.reply.status).toBe("aborted");

    const c = await k.request({ op: "execute_nowait", code: "%sleep 0.3\nthrow new Error('second')", stop_on_error: false });
    const d = await k.request({ op: "execute_nowait", code: "'still runs'" });
    expect((await k.request({ op: "collect", msg_id: c.msg_id })).reply.status).toBe("error");
    const rd = await k.request({ op: "collect", msg_id: d.msg_id });
    expect(rd.reply.status).toBe("ok");
    expect(streamText(rd)).toBe("still runs\n");
  });

  it("completes magic names, flags and TypeScript next to a magic line", async () => {
    let { reply } = await k.request({ op: "complete", code: "%ls", cursor_pos: 3 });
    expect(reply.matches).toEqual(["lsmagic"]);
    expect(reply.cursor_start).toBe(1);
    ({ reply } = await k.request({ op: "complete", code: "%tp", cursor_pos: 3 }));
    expect(reply.matches).toEqual(["tpe"]);
    ({ reply } = await k.request({ op: "complete", code: "%tpe re", cursor_pos: 7 }));
    expect(reply.matches).toEqual(["replay"]);
    ({ reply } = await k.request({ op: "complete", code: "%sleep 1 --st", cursor_pos: 13 }));
    expect(reply.matches).toEqual(["--step"]);
    const code = "let abcdef = 1\n%echo x\nabcd";
    ({ reply } = await k.request({ op: "complete", code, cursor_pos: code.length }));
    expect(reply.matches).toContain("abcdef");
  });

  it("expands $name in magic lines to a value bound by --as (its current value, its .path), and names the bound ones otherwise", async () => {
    const shown = (r: ExecResult) => r.iopub.filter((m) => m.msg_type === "display_data").map((m) => m.content.data["text/plain"]);
    // %echo binds {text}; TypeScript then gives the name a .path, as %data path's result has.
    let r = await k.execute('%echo first --as where\nwhere = { path: "/tmp/a folder" }\n%echo $where/metrics.csv \'$where\' $$5');
    expect(r.reply.status).toBe("ok");
    expect(shown(r)).toEqual(["first", "/tmp/a folder/metrics.csv $where $5"]);
    r = await k.execute("%echo $nowhere");
    expect(r.reply.ename).toBe("UsageError");
    expect(r.reply.evalue).toMatch(/\$nowhere is not bound \(names bound by --as: .*\$where/);
    const { reply } = await k.request({ op: "complete", code: "%echo $wh", cursor_pos: 9 });
    expect(reply.matches).toEqual(["$where"]);
    expect(streamText(await k.execute("where.path.length"))).toBe("13\n");
  });

  it("inspects a magic line with its help", async () => {
    const { reply } = await k.request({ op: "inspect", code: "%sleep 3", cursor_pos: 3 });
    expect(reply.found).toBe(true);
    expect(reply.data["text/plain"]).toMatch(/Usage: %sleep/);
  });

  it("answers is_complete for magics and TypeScript", async () => {
    expect((await k.request({ op: "is_complete", code: "%sleep 1 (" })).reply.status).toBe("complete");
    expect((await k.request({ op: "is_complete", code: "let q = (" })).reply.status).toBe("incomplete");
    expect((await k.request({ op: "is_complete", code: "%echo a \\" })).reply.status).toBe("incomplete");
  });

  it("answers comm_info_request with comm_info_reply", async () => {
    const r = await k.request({ op: "comm_info" });
    expect(r.msg_type).toBe("comm_info_reply");
    expect(r.reply).toEqual({ status: "ok", comms: {} });
  });

  it("answers history_request with this session's inputs (tail, range, search)", async () => {
    const a = await k.execute("const histA = 1");
    const b = await k.execute("%echo hist b");
    expect((await k.request({ op: "execute", code: "'not stored'", silent: true })).reply.status).toBe("ok");
    const na = a.reply.execution_count;
    const nb = b.reply.execution_count;
    // a silent request neither stores history nor advances the counter
    expect((await k.execute("1")).reply.execution_count).toBe(nb + 1);
    const history = async (args: object) => {
      const r = await k.request({ op: "history", args: { raw: true, output: false, ...args } });
      expect(r.msg_type).toBe("history_reply");
      expect(r.reply.status).toBe("ok");
      return r.reply.history as [number, number, unknown][];
    };
    const tail = await history({ hist_access_type: "tail", n: 3 });
    expect(tail.map((h) => h.slice(1))).toEqual([[na, "const histA = 1"], [nb, "%echo hist b"], [nb + 1, "1"]]);
    const session = tail[0][0];
    expect(await history({ hist_access_type: "range", session: 0, start: na, stop: nb })).toEqual([[session, na, "const histA = 1"]]);
    expect(await history({ hist_access_type: "search", pattern: "%echo hist*", n: 5 })).toEqual([[session, nb, "%echo hist b"]]);
    // outputs are not kept (values print as streams): each comes back as null
    expect(await history({ hist_access_type: "tail", n: 1, output: true })).toEqual([[session, nb + 1, ["1", null]]]);
    expect(streamText(await k.execute("'alive'"))).toBe("alive\n");
  });
});
