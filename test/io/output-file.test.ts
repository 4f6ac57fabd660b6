/**
 * io/output-file: the one way a command writes a file the user named (--out, --arrow).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GreenaiError } from "../../kernel/src/errors";
import { checkOutputFile, writeAtomically, writeOutputFile } from "../../kernel/src/io/output-file";

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-out-"));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("writeOutputFile", () => {
  it("writes a new file (creating its folder) and says nothing was replaced", async () => {
    const w = await writeOutputFile({ flag: "--out", file: "a/b.json", cwd: tmp, inputs: [] }, "{}\n");
    expect(w).toEqual({ path: path.join(tmp, "a", "b.json"), bytes: 3, overwritten: false });
    expect(fs.readFileSync(path.join(tmp, "a", "b.json"), "utf8")).toBe("{}\n");
  });

  it("says when it replaced an existing file, and leaves no temporary file behind", async () => {
    fs.writeFileSync(path.join(tmp, "x.json"), "old");
    const w = await writeOutputFile({ flag: "--out", file: "x.json", cwd: tmp, inputs: [] }, "new");
    expect(w.overwritten).toBe(true);
    expect(fs.readFileSync(path.join(tmp, "x.json"), "utf8")).toBe("new");
    expect(fs.readdirSync(tmp)).toEqual(["x.json"]);
  });

  it("refuses a trailing-slash name instead of writing the file without it", async () => {
    await expect(writeOutputFile({ flag: "--out", file: "x.json/", cwd: tmp, inputs: [] }, "{}")).rejects.toThrow(/--out x\.json\/: a file name may not end with "\/"; give the file's name \(e\.g\. --out x\.json\)/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it("refuses an existing folder", () => {
    fs.mkdirSync(path.join(tmp, "d"));
    expect(() => checkOutputFile({ flag: "--arrow", file: "d", cwd: tmp, inputs: [] })).toThrow(/--arrow d: that is a folder/);
  });

  it("refuses to write over an input, also through a link or another spelling of its path", async () => {
    const input = path.join(tmp, "in.csv");
    fs.writeFileSync(input, "a,b\n1,2\n");
    fs.symlinkSync(input, path.join(tmp, "link.csv"));
    for (const name of ["in.csv", "./sub/../in.csv", "link.csv"]) {
      await expect(writeOutputFile({ flag: "--arrow", file: name, cwd: tmp, inputs: [input] }, "ARROW")).rejects.toThrow(GreenaiError);
      await expect(writeOutputFile({ flag: "--arrow", file: name, cwd: tmp, inputs: [input] }, "ARROW")).rejects.toThrow(/is an input of this command/);
    }
    expect(fs.readFileSync(input, "utf8")).toBe("a,b\n1,2\n");
  });

  it("refuses a name inside an input folder, even a new one", () => {
    fs.mkdirSync(path.join(tmp, "data", "gpu"), { recursive: true });
    expect(() => checkOutputFile({ flag: "--arrow", file: "data/gpu/new.arrow", cwd: tmp, inputs: [path.join(tmp, "data", "gpu")] })).toThrow(/lies inside .*gpu, which this command reads/);
    // A sibling of the input folder is fine.
    expect(checkOutputFile({ flag: "--arrow", file: "data/gpu2.arrow", cwd: tmp, inputs: [path.join(tmp, "data", "gpu")] })).toBe(path.join(fs.realpathSync(tmp), "data", "gpu2.arrow"));
  });

  it("writes through a link to its target (the link stays a link)", async () => {
    fs.writeFileSync(path.join(tmp, "target.json"), "old");
    fs.symlinkSync(path.join(tmp, "target.json"), path.join(tmp, "link.json"));
    const w = await writeOutputFile({ flag: "--out", file: "link.json", cwd: tmp, inputs: [] }, "new");
    expect(w.overwritten).toBe(true);
    expect(fs.lstatSync(path.join(tmp, "link.json")).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(tmp, "target.json"), "utf8")).toBe("new");
  });
});

describe("writeAtomically", () => {
  it("keeps the old file whole and removes the temporary file when writing fails midway", async () => {
    const file = path.join(tmp, "out.bin");
    fs.writeFileSync(file, "complete old contents");
    await expect(
      writeAtomically("--out", file, async (fh) => {
        await fh.write(Buffer.from("half of the new"));
        throw new Error("disk full");
      }),
    ).rejects.toThrow(/--out .*out\.bin: cannot write the file \(disk full\)/);
    expect(fs.readFileSync(file, "utf8")).toBe("complete old contents");
    expect(fs.readdirSync(tmp)).toEqual(["out.bin"]);
  });
});
