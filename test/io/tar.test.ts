/** io/tar: the ustar reader that upstream archives (Kairos, RIBBON) go through. */
import * as zlib from "zlib";
import { tarEntries } from "../../kernel/src/io/tar";
import { tar } from "./archives";

describe("tar reader", () => {
  it("lists regular files of a gzipped archive, with GNU long names", () => {
    const long = `data/${"x".repeat(120)}/mtwnd_10_1.json`;
    const archive = zlib.gzipSync(tar([["data/", "", "5"], ["./data/a/b_10_1.json", "[1, 2]"], ["././@LongLink", long, "L"], ["data/ignored", "[3]"]]));
    const m = tarEntries(archive);
    expect([...m.keys()]).toEqual(["data/a/b_10_1.json", long]);
    expect(m.get(long)?.toString()).toBe("[3]");
  });

  it("reports a truncated archive", () => {
    const t = tar([["data/a.json", "[1, 2, 3]"]]);
    expect(() => tarEntries(t.subarray(0, 514), "t.tar")).toThrow(/t\.tar: the archive ends inside data\/a\.json/);
  });
});
