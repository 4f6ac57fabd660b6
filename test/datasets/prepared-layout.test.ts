/**
 * The prepared folder the notebook tests use (test/helpers/prepared-data.ts) is what
 * `data path` accepts: each data set is found there as a local copy, with what the manifest
 * requires, and every file the manifest has a checksum for matches it.
 */
import { resolveDataset } from "../../kernel/src/datasets/data-path";
import { PREPARED_DATASETS, preparedDataDir, preparedDataUnavailable } from "../helpers/prepared-data";

const why = preparedDataUnavailable();
const suite = why ? describe.skip : describe;

suite(`prepared data folder from the shared test data${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  it.each(PREPARED_DATASETS)("%s is a verified local copy", async (name) => {
    const dir = preparedDataDir();
    const loc = await resolveDataset(name, { dataDir: dir, download: false, cacheDir: dir + "-no-cache" });
    expect(loc.source).toBe("local");
    expect(loc.path).toBe(`${dir}/${name}`);
    expect(loc.files.length).toBeGreaterThan(0);
    // No .py from the Kairos archive, and no archive left where its contents are expected.
    expect(loc.files.filter((f) => /\.py$|\.tar\.gz$|\.zip$/.test(f.path))).toEqual([]);
    for (const f of loc.files) if (f.verified) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("holds the upstream NAS-Bench-NLP runs flat, and Kairos's data under data/", async () => {
    const dir = preparedDataDir();
    const nas = await resolveDataset("nas-bench-nlp-wikitext2", { dataDir: dir, download: false });
    expect(nas.files.filter((f) => /^log_stats_model_[^/]*\.json$/.test(f.path))).toHaveLength(172);
    const kairos = await resolveDataset("hpdc23-kairos", { dataDir: dir, download: false });
    expect(kairos.files.some((f) => /^data\/g4dn\.xlarge\/mtwnd_\d+_1\.json$/.test(f.path))).toBe(true);
    expect(kairos.files.some((f) => f.path === "instance.json")).toBe(true);
  });

  it("verifies the plain downloads against the manifest's checksums", async () => {
    const dir = preparedDataDir();
    const verified = async (name: string) => (await resolveDataset(name, { dataDir: dir, download: false })).files.filter((f) => f.verified).map((f) => f.path);
    expect(await verified("zeus-nsdi23")).toEqual(expect.arrayContaining(["summary_power_v100.csv", "summary_power_p100.csv", "summary_train.csv"]));
    expect(await verified("litmatter-tpe-example")).toEqual(["metrics.csv"]);
    expect(await verified("sc21-ribbon")).toContain("query/price.csv");
    expect(await verified("hpdc23-kairos")).toEqual(expect.arrayContaining(["instance.json", "price.csv", "config.json", "allocator_profile.json"]));
  });
});
