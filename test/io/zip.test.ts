/** io/zip: the zip reader that NAS-Bench-NLP's logs.zip goes through. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { zipEntries } from "../../kernel/src/io/zip";
import { zip } from "./archives";

describe("zip reader", () => {
  it("reads deflated and stored entries and skips folders", () => {
    const big = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"epoch": ${i}}\n`).join(""));
    for (const stored of [false, true]) {
      const m = zipEntries(zip([["logs/", ""], ["logs/log_stats_model_1.json", big], ["b.txt", "hi"]], stored));
      expect([...m.keys()]).toEqual(["logs/log_stats_model_1.json", "b.txt"]);
      expect(m.get("logs/log_stats_model_1.json")!.equals(big)).toBe(true);
      expect(m.get("b.txt")!.toString()).toBe("hi");
    }
  });

  it("reads an archive written by Python's zipfile, with a comment after the directory", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-zip-"));
    try {
      const file = path.join(dir, "a.zip");
      const py = "import zipfile,sys\nwith zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:\n z.writestr('x/a.json','[1,2,3]'*100)\n z.writestr('b.csv','a,b\\n1,2\\n')\n z.comment=b'made by a test'\n";
      try {
        execFileSync("/usr/bin/python3", ["-c", py, file]);
      } catch {
        console.warn("SKIPPED: /usr/bin/python3 is not available to write a reference zip");
        return;
      }
      const m = zipEntries(fs.readFileSync(file), file);
      expect(m.get("x/a.json")!.toString()).toBe("[1,2,3]".repeat(100));
      expect(m.get("b.csv")!.toString()).toBe("a,b\n1,2\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the archive and the entry when it is corrupt or cut", () => {
    const good = zip([["a.json", "[1, 2, 3]"]], true);
    const bad = Buffer.from(good);
    bad[30 + "a.json".length] ^= 0xff;
    expect(() => zipEntries(bad, "x.zip")).toThrow(/x\.zip: a\.json is corrupt \(size or CRC-32 does not match\)/);
    expect(() => zipEntries(good.subarray(0, 20), "x.zip")).toThrow(/x\.zip: not a zip archive/);
    expect(() => zipEntries(Buffer.from("not a zip at all, just some text that is long enough"), "y.zip")).toThrow(/y\.zip: not a zip archive/);
  });
});
