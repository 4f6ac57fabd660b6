/** The Kairos reader gives the same problem from the prepared folder (data/ extracted) as from upstream's data.tar.gz. */
import * as path from "path";
import { ribbonProblemFromDir } from "../../kernel/src/ribbon/read";
import { isKairosDir } from "../../kernel/src/ribbon/read-kairos";
import { preparedDataDir, preparedDataUnavailable } from "../helpers/prepared-data";
import { sharedData } from "../helpers/shared-data";

const why = preparedDataUnavailable();
(why ? describe.skip : describe)(`Kairos: extracted data/ folder${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  it("reads the same latency lists as the archive, and names the folder in its messages", () => {
    const archiveDir = sharedData("kairos")!;
    const folderDir = path.join(preparedDataDir(), "hpdc23-kairos");
    expect(isKairosDir(folderDir)).toBe(true);
    const a = ribbonProblemFromDir(archiveDir, "dien", { qosMs: 30, meanGapMs: 2 });
    const f = ribbonProblemFromDir(folderDir, "dien", { qosMs: 30, meanGapMs: 2 });
    expect(f.space).toEqual(a.space);
    expect([...f.profile.lists.keys()].sort()).toEqual([...a.profile.lists.keys()].sort());
    for (const [type, byBatch] of a.profile.lists) {
      const other = f.profile.lists.get(type)!;
      expect([...other.keys()].sort((x, y) => x - y)).toEqual([...byBatch.keys()].sort((x, y) => x - y));
      for (const [b, list] of byBatch) expect(Array.from(other.get(b)!)).toEqual(Array.from(list));
    }
    expect(f.profile.source).toBe(path.join(folderDir, "data"));
    expect(a.profile.source).toBe(`${path.join(archiveDir, "data.tar.gz")}:data`);
    expect(() => ribbonProblemFromDir(folderDir, "nosuch", { qosMs: 30, meanGapMs: 2 })).toThrow(new RegExp(`unknown model "nosuch": ${path.join(folderDir, "data").replace(/[.]/g, "\\.")} profiles`));
  });
});
