/**
 * `greenai data path` / `data fetch --to` / `data list`: the prepared copy in GREENAI_DATA_DIR,
 * the cache, and fetch → verify → prepare against an HTTP server on 127.0.0.1 serving
 * upstream-format files built here (a zip of log_stats json files, a tar.gz with data/ and .py).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import type { AddressInfo } from "net";
import { DataUnavailableError, GreenaiError } from "../../kernel/src/errors";
import { fetchPreparedCopy, resolveDataset } from "../../kernel/src/datasets/data-path";
import { readManifest } from "../../kernel/src/datasets/fetch";
import { parseManifest, type Manifest } from "../../kernel/src/datasets/manifest";
import { PREPARED_MARKER, readPreparedMarker } from "../../kernel/src/datasets/prepare";
import { dispatchMagic } from "../../kernel/src/magics/dispatch";
import { createRegistry } from "../../kernel/src/magics/registry";
import type { DataListResult } from "../../kernel/src/magics/dataset-results";
import { fakeMagicContext } from "../helpers/magic-context";
import { PREPARED_DATASETS, preparedDataDir, preparedDataUnavailable } from "../helpers/prepared-data";
import { tar, zip } from "../io/archives";

const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");
const run = (id: number) => JSON.stringify({ status: "OK", train_losses: `[${7 - id}, ${6 - id}]`, val_losses: "[7.5, 6.5]", test_losses: "[7.4, 6.4]", wall_times: "[10, 20]" });
// Upstream keeps the runs in a folder of the zip; macOS junk beside them must not be kept.
const logsZip = zip([
  ["logs/", ""],
  ["logs/log_stats_model_1.json", run(1)],
  ["logs/log_stats_model_2.json", run(2)],
  ["__MACOSX/logs/._log_stats_model_1.json", "junk"],
  ["logs/README.txt", "not a run"],
]);
const dataTar = zlib.gzipSync(tar([["data/", "", "5"], ["data/g4dn.xlarge/dien_10_1.json", "[1.5, 2.5]"], ["data/plot.py", "print(1)"], ["data/logs_load/g4dn.xlarge/x.json", "[3]"]]));
// Big enough that a cut download is really cut.
const price = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `t${i},${(i % 97) / 10}\n`).join(""));

let server: http.Server;
let base: string;
let cutNext = 0;
const hits: string[] = [];

beforeAll(async () => {
  const bodies: Record<string, Buffer> = { "/logs.zip": logsZip, "/data.tar.gz": dataTar, "/price.csv": price };
  server = http.createServer((req, res) => {
    hits.push(`${req.url} ${req.headers.range ?? ""}`.trim());
    const body = bodies[req.url ?? ""];
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range) {
      const from = Number(range[1]);
      res.writeHead(206, { "content-length": body.length - from, "content-range": `bytes ${from}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(from));
      return;
    }
    res.writeHead(200, { "content-length": body.length });
    if (cutNext > 0) {
      res.write(body.subarray(0, cutNext), () => res.destroy());
      cutNext = 0;
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A manifest with one data set "demo" in the shape of the real ones; `zipSha` lets a test break the checksum. */
function manifest(opts: { zipSha?: string; zipUrl?: string } = {}): Manifest {
  return parseManifest({
    schema_version: 2,
    datasets: [
      {
        name: "demo",
        title: "Demo",
        homepage: "http://example.org",
        citation: "Someone, Demo data, 2024",
        licence: "MIT",
        total_bytes: null,
        files: [
          { path: "logs.zip", url: opts.zipUrl ?? `${base}/logs.zip`, bytes: logsZip.length, sha256: opts.zipSha ?? sha(logsZip) },
          { path: "runs/data.tar.gz", url: `${base}/data.tar.gz`, bytes: dataTar.length, sha256: sha(dataTar) },
          { path: "query/price.csv", url: `${base}/price.csv`, bytes: price.length, sha256: sha(price) },
        ],
        prepare: {
          extract: [
            { archive: "logs.zip", into: "", keep: ["**/log_stats_model_*.json"], drop: ["__MACOSX/**"], flatten: true },
            { archive: "runs/data.tar.gz", into: "runs", keep: ["data/**"], drop: ["**/*.py"] },
          ],
        },
        require: ["log_stats_model_*.json"],
        notes: [],
      },
    ],
  });
}

const PREPARED = ["log_stats_model_1.json", "log_stats_model_2.json", "query/price.csv", "runs/data/g4dn.xlarge/dien_10_1.json", "runs/data/logs_load/g4dn.xlarge/x.json"];

/** Every file under dir, relative, sorted (the cache must hold nothing half-written). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => f.split(path.sep).join("/")).sort();
}

let tmp: string;
let cacheDir: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-data-path-"));
  cacheDir = path.join(tmp, "cache");
  hits.length = 0;
  cutNext = 0;
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("resolveDataset: download, verify, prepare into the cache", () => {
  it("prepares the downloads (zip flattened, .py and junk dropped) and finds the cache copy next time without the network", async () => {
    const progress: [string, number | undefined][] = [];
    const loc = await resolveDataset("demo", { manifest: manifest(), dataDir: null, cacheDir, onProgress: (m, x) => progress.push([m, x]) });
    expect(loc).toMatchObject({ name: "demo", source: "download", path: path.join(cacheDir, "data", "demo"), citation: "Someone, Demo data, 2024", licence: "MIT" });
    expect(loc.files.map((f) => f.path)).toEqual(PREPARED);
    expect(loc.files.every((f) => f.verified)).toBe(true);
    expect(filesUnder(loc.path)).toEqual([PREPARED_MARKER, ...PREPARED].sort());
    expect(fs.readFileSync(path.join(loc.path, "log_stats_model_2.json"), "utf8")).toBe(run(2));
    expect(fs.readFileSync(path.join(loc.path, "query/price.csv")).equals(price)).toBe(true);
    // Only the prepared copy stays: no downloads, no staging folders beside it.
    expect(fs.readdirSync(path.join(cacheDir, "data"))).toEqual(["demo"]);
    expect(progress.some(([m]) => m === "preparing demo")).toBe(true);

    hits.length = 0;
    const again = await resolveDataset("demo", { manifest: manifest(), dataDir: null, cacheDir, download: false });
    expect(again).toMatchObject({ source: "cache", path: loc.path });
    expect(again.files.map((f) => f.path)).toEqual(PREPARED);
    expect(hits).toEqual([]);
  });

  it("rejects a download with a bad checksum and leaves nothing half-written in the cache", async () => {
    const wrong = "0".repeat(64);
    const err = await resolveDataset("demo", { manifest: manifest({ zipSha: wrong }), dataDir: null, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect((err as Error).message).toMatch(/^data set demo is not available here: .*downloading http:\/\/127\.0\.0\.1:\d+\/logs\.zip failed \(checksum mismatch for demo\/logs\.zip: expected sha256 0{64}, got [0-9a-f]{64}; the download was deleted\)\. Fetch it with: greenai data fetch demo/);
    expect(filesUnder(cacheDir)).toEqual([]);
    expect(fs.existsSync(path.join(cacheDir, "data", "demo"))).toBe(false);
  });

  it("keeps a cut download and resumes it with a Range request on the next call", async () => {
    const m = manifest();
    const one = parseManifest({ schema_version: 2, datasets: [{ ...m.datasets[0], files: [m.datasets[0].files[2]], prepare: undefined, prepared: [], require: ["query/price.csv"] }] });
    cutNext = 30_000;
    const err = await resolveDataset("demo", { manifest: one, dataDir: null, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect((err as Error).message).toMatch(/downloading http:\/\/127\.0\.0\.1:\d+\/price\.csv failed \(.*closed early.*run the fetch again to resume\)/);
    const part = path.join(cacheDir, "data", ".downloads", "demo", "query", "price.csv.part");
    const got = fs.statSync(part).size;
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(price.length);
    expect(fs.existsSync(path.join(cacheDir, "data", "demo"))).toBe(false);

    hits.length = 0;
    const loc = await resolveDataset("demo", { manifest: one, dataDir: null, cacheDir });
    expect(hits).toEqual([`/price.csv bytes=${got}-`]);
    expect(loc.source).toBe("download");
    expect(fs.readFileSync(path.join(loc.path, "query/price.csv")).equals(price)).toBe(true);
    expect(filesUnder(path.join(cacheDir, "data", ".downloads"))).toEqual([]);
  });

  it("with no copy and no download: one message naming the data set, where it looked, and the command", async () => {
    const expected = (why: string) =>
      `data set demo is not available here: no prepared copy in $GREENAI_DATA_DIR (unset), not in the cache (${path.join(cacheDir, "data", "demo")}), ` +
      `and downloading is turned off (${why}). Fetch it with: greenai data fetch demo (or %data fetch demo), or point GREENAI_DATA_DIR at the folder that holds demo/.`;
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir: null, cacheDir, download: false })).rejects.toThrow(expected("--offline"));
    const saved = process.env.GREENAI_OFFLINE;
    process.env.GREENAI_OFFLINE = "1";
    try {
      await expect(resolveDataset("demo", { manifest: manifest(), dataDir: null, cacheDir })).rejects.toThrow(expected("GREENAI_OFFLINE=1"));
    } finally {
      if (saved === undefined) delete process.env.GREENAI_OFFLINE;
      else process.env.GREENAI_OFFLINE = saved;
    }
    expect(hits).toEqual([]);
    // No network: the connection is refused; the message names the URL and why, and the command.
    const dataDir = path.join(tmp, "handout");
    const err = await resolveDataset("demo", { manifest: manifest({ zipUrl: "http://127.0.0.1:1/logs.zip" }), dataDir, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect((err as Error).message).toBe(
      `data set demo is not available here: no prepared copy in $GREENAI_DATA_DIR (${path.join(dataDir, "demo")} absent), not in the cache (${path.join(cacheDir, "data", "demo")}), ` +
        "and downloading http://127.0.0.1:1/logs.zip failed (cannot download http://127.0.0.1:1/logs.zip: ECONNREFUSED). Fetch it with: greenai data fetch demo (or %data fetch demo), or point GREENAI_DATA_DIR at the folder that holds demo/.",
    );
    expect(filesUnder(path.join(cacheDir, "data", "demo"))).toEqual([]);
  });

  it("gives up on a server that never answers", async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/logs.zip`;
      const t0 = Date.now();
      await expect(resolveDataset("demo", { manifest: manifest({ zipUrl: url }), dataDir: null, cacheDir, idleTimeoutMs: 300 })).rejects.toThrow(/downloading .*logs\.zip failed \(no answer from 127\.0\.0\.1:\d+ for 0 s/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe("resolveDataset: a prepared copy in GREENAI_DATA_DIR", () => {
  function handout(files: Record<string, string | Buffer>, folder = "handout"): string {
    const dataDir = path.join(tmp, folder);
    for (const [rel, body] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dataDir, "demo", rel)), { recursive: true });
      fs.writeFileSync(path.join(dataDir, "demo", rel), body);
    }
    return dataDir;
  }

  it("wins over the cache, verifies the files it has, and may hold only some", async () => {
    await resolveDataset("demo", { manifest: manifest(), dataDir: null, cacheDir });
    const dataDir = handout({ "log_stats_model_1.json": run(1), "query/price.csv": price });
    hits.length = 0;
    const loc = await resolveDataset("demo", { manifest: manifest(), dataDir, cacheDir });
    expect(loc).toMatchObject({ source: "local", path: path.join(dataDir, "demo") });
    expect(loc.files.map((f) => [f.path, f.verified])).toEqual([
      ["log_stats_model_1.json", false],
      ["query/price.csv", true],
    ]);
    expect(loc.files[1].sha256).toBe(sha(price));
    expect(hits).toEqual([]);
  });

  it("names a used file the copy lacks, and the fetch command", async () => {
    const dataDir = handout({ "log_stats_model_1.json": run(1) });
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir, cacheDir, need: ["query/price.csv"] })).rejects.toThrow(
      `the copy of demo in ${path.join(dataDir, "demo")} lacks the file query/price.csv, which this needs. Fetch the whole data set with: greenai data fetch demo (or %data fetch demo)`,
    );
    const empty = handout({ "query/price.csv": price }, "handout-2");
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir: empty, cacheDir })).rejects.toThrow(/lacks the file log_stats_model_\*\.json, which this needs/);
    expect(hits).toEqual([]);
  });

  it("says no file of the data set matches a --need glob that none can match, rather than that the copy lacks it", async () => {
    const dataDir = handout({ "log_stats_model_1.json": run(1) });
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir, cacheDir, need: ["summary.csv"] })).rejects.toThrow(/^no file of demo matches summary\.csv$/);
    // Offline and without a copy, the glob is still what is wrong.
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir: null, cacheDir, download: false, need: ["runs/*.py", "query/price.csv"] })).rejects.toThrow(/^no file of demo matches runs\/\*\.py$/);
    // Globs some file can match (a plain download, an extract target flattened or under `into`, in either direction): the copy lacks them.
    const few = handout({ "log_stats_model_1.json": run(1) }, "handout-few");
    for (const need of ["query/*.csv", "log_stats_model_9.json", "runs/**/*.json", "runs/data/*/dien_*.json"]) {
      const err = await resolveDataset("demo", { manifest: manifest(), dataDir: few, cacheDir, need: [need] }).catch((e: unknown) => e);
      expect([need, (err as Error).message]).toEqual([need, expect.stringContaining(`lacks the file ${need}, which this needs`)]);
    }
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir: few, cacheDir, need: ["**/*.json"] })).resolves.toMatchObject({ source: "local" });
    expect(hits).toEqual([]);
  });

  it("says GREENAI_DATA_DIR/NAME is a file, naming the folder it must be", async () => {
    const dataDir = path.join(tmp, "handout");
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, "demo"), "not a folder");
    const err = await resolveDataset("demo", { manifest: manifest(), dataDir, cacheDir, download: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataUnavailableError);
    expect((err as Error).message).toBe(
      `${path.join(dataDir, "demo")} is a file, not a folder: GREENAI_DATA_DIR must name the folder that holds demo/ (made with: greenai data fetch demo --to DIR/demo)`,
    );
  });

  it("rejects a file that is not the one the manifest pins", async () => {
    const dataDir = handout({ "log_stats_model_1.json": run(1), "query/price.csv": "t0,0\n" });
    await expect(resolveDataset("demo", { manifest: manifest(), dataDir, cacheDir })).rejects.toThrow(/query\/price\.csv is not the demo file the manifest pins .*greenai data fetch demo --to DIR/);
  });
});

describe("fetchPreparedCopy (data fetch NAME --to DIR)", () => {
  it("writes a prepared copy to hand out, leaves a current one alone, and refuses a folder holding something else", async () => {
    const to = path.join(tmp, "out", "demo");
    const r = await fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir });
    expect(r.downloads.map((d) => [d.path, d.status, d.verified])).toEqual([
      ["logs.zip", "downloaded", "sha256"],
      ["runs/data.tar.gz", "downloaded", "sha256"],
      ["query/price.csv", "downloaded", "sha256"],
    ]);
    expect(filesUnder(to)).toEqual([PREPARED_MARKER, ...PREPARED].sort());
    // The copy is what GREENAI_DATA_DIR points at.
    expect((await resolveDataset("demo", { manifest: manifest(), dataDir: path.dirname(to), cacheDir, download: false })).source).toBe("local");
    hits.length = 0;
    const again = await fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir });
    expect(again.downloads.map((d) => d.status)).toEqual(["present", "present", "present"]);
    expect(hits).toEqual([]);

    const busy = path.join(tmp, "busy");
    fs.mkdirSync(busy);
    fs.writeFileSync(path.join(busy, "thesis.tex"), "precious");
    await expect(fetchPreparedCopy("demo", { manifest: manifest(), to: busy, cacheDir })).rejects.toThrow(/busy is not empty and holds no prepared copy of demo/);
    expect(fs.readFileSync(path.join(busy, "thesis.tex"), "utf8")).toBe("precious");
  });

  it("a second --files adds to the copy: only the missing downloads are fetched, the first files stay, the marker lists both", async () => {
    const to = path.join(tmp, "out", "demo");
    await fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir, only: ["query/price.csv"] });
    expect(filesUnder(to)).toEqual([PREPARED_MARKER, "query/price.csv"]);
    hits.length = 0;
    const r = await fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir, only: ["logs.zip", "query/price.csv"] });
    expect(hits).toEqual(["/logs.zip"]);
    expect(r.downloads.map((d) => [d.path, d.status])).toEqual([
      ["logs.zip", "downloaded"],
      ["query/price.csv", "present"],
    ]);
    expect(filesUnder(to)).toEqual([PREPARED_MARKER, "log_stats_model_1.json", "log_stats_model_2.json", "query/price.csv"]);
    expect(fs.readFileSync(path.join(to, "query/price.csv")).equals(price)).toBe(true);
    const marker = await readPreparedMarker(to);
    expect(marker?.sources.map((x) => x.path)).toEqual(["logs.zip", "query/price.csv"]);
    expect(marker?.files.map((f) => [f.path, f.verified])).toEqual([
      ["log_stats_model_1.json", true],
      ["log_stats_model_2.json", true],
      ["query/price.csv", true],
    ]);
    expect(marker?.partial).toBe(true);
    // Without --files: the rest; the copy is then whole.
    hits.length = 0;
    await fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir });
    expect(hits).toEqual(["/data.tar.gz"]);
    expect(filesUnder(to)).toEqual([PREPARED_MARKER, ...PREPARED].sort());
    expect((await readPreparedMarker(to))?.partial).toBe(false);
    expect(fs.readdirSync(path.dirname(to))).toEqual(["demo"]);
  });

  it("completes a folder without a marker (made by the old --dest) whose files pass the manifest's checks", async () => {
    const to = path.join(tmp, "old-dest", "demo");
    fs.mkdirSync(path.join(to, "query"), { recursive: true });
    fs.writeFileSync(path.join(to, "query", "price.csv"), price);
    fs.writeFileSync(path.join(to, "logs.zip"), logsZip);
    const r = await fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir });
    expect(hits).toEqual(["/data.tar.gz"]);
    expect(r.downloads.map((d) => [d.path, d.status])).toEqual([
      ["logs.zip", "present"],
      ["runs/data.tar.gz", "downloaded"],
      ["query/price.csv", "present"],
    ]);
    // The archive it held is prepared (extracted) like a download; the marker is written.
    expect(filesUnder(to)).toEqual([PREPARED_MARKER, ...PREPARED].sort());
    expect((await readPreparedMarker(to))?.partial).toBe(false);
    expect((await readPreparedMarker(to))?.files.every((f) => f.verified)).toBe(true);
    expect((await resolveDataset("demo", { manifest: manifest(), dataDir: path.dirname(to), cacheDir, download: false })).source).toBe("local");
  });

  it("refuses a folder without a marker naming only the files that fail the checks, and leaves it as it was", async () => {
    const to = path.join(tmp, "old-dest", "demo");
    fs.mkdirSync(path.join(to, "query"), { recursive: true });
    fs.writeFileSync(path.join(to, "query", "price.csv"), "t0,0\n");
    fs.writeFileSync(path.join(to, "logs.zip"), logsZip);
    fs.writeFileSync(path.join(to, "notes.txt"), "mine");
    await expect(fetchPreparedCopy("demo", { manifest: manifest(), to, cacheDir })).rejects.toThrow(
      `${to} is not empty and holds no prepared copy of demo: notes.txt (not a file of demo), query/price.csv (its sha256 is not the manifest's); move them away or give a new or empty folder to --to`,
    );
    expect(filesUnder(to)).toEqual(["logs.zip", "notes.txt", "query/price.csv"]);
    expect(hits).toEqual([]);
  });

  it("says --to is a file, or cannot be written, as a GreenaiError naming the path", async () => {
    const file = path.join(tmp, "a-file");
    fs.writeFileSync(file, "x");
    const err = await fetchPreparedCopy("demo", { manifest: manifest(), to: file, cacheDir, only: ["query/price.csv"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GreenaiError);
    expect((err as Error).message).toBe(`${file} is a file, not a folder; give --to a new or empty folder (named demo), or an earlier copy`);
    const under = path.join(file, "demo");
    const err2 = await fetchPreparedCopy("demo", { manifest: manifest(), to: under, cacheDir, only: ["query/price.csv"] }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(GreenaiError);
    expect((err2 as Error).message).toMatch(new RegExp(`^preparing demo in ${under.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} failed: (ENOTDIR|EEXIST) \\(mkdir ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    expect(fs.readFileSync(file, "utf8")).toBe("x");
  });
});

describe("%data path", () => {
  it("returns the DatasetLocation (text: the path; HTML: path and citation) and passes --need and --offline", async () => {
    fs.writeFileSync(path.join(tmp, "m.json"), JSON.stringify({ schema_version: 2, datasets: [{ ...manifest().datasets[0], prepare: undefined, prepared: undefined, extract: undefined }] }));
    const dataDir = path.join(tmp, "handout");
    fs.mkdirSync(path.join(dataDir, "demo"), { recursive: true });
    fs.writeFileSync(path.join(dataDir, "demo", "log_stats_model_1.json"), run(1));
    const saved = { data: process.env.GREENAI_DATA_DIR, cache: process.env.GREENAI_CACHE_DIR };
    process.env.GREENAI_DATA_DIR = dataDir;
    process.env.GREENAI_CACHE_DIR = cacheDir;
    try {
      const ctx = fakeMagicContext({ cwd: tmp });
      const out = await dispatchMagic(createRegistry(), "data path demo --manifest m.json", ctx);
      if (out.kind !== "result") throw new Error(out.text);
      expect(out.result.typeName).toBe("DatasetLocation");
      expect(out.result.text).toBe(path.join(dataDir, "demo"));
      expect(out.result.value).toMatchObject({ name: "demo", source: "local", path: path.join(dataDir, "demo") });
      expect(String(out.result.bundle?.data["text/html"])).toContain("Someone, Demo data, 2024");
      await expect(dispatchMagic(createRegistry(), "data path demo --manifest m.json --need query/price.csv", ctx)).rejects.toThrow(/lacks the file query\/price\.csv.*greenai data fetch demo/);
      delete process.env.GREENAI_DATA_DIR;
      await expect(dispatchMagic(createRegistry(), "data path demo --manifest m.json --offline", ctx)).rejects.toThrow(/data set demo is not available here: .*greenai data fetch demo/);
      expect(hits).toEqual([]);
    } finally {
      for (const [k, v] of [["GREENAI_DATA_DIR", saved.data], ["GREENAI_CACHE_DIR", saved.cache]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

describe("the shipped manifest", () => {
  it("data list --json: the six data sets, each download pinned to a commit or release, with size and sha256", async () => {
    const out = await dispatchMagic(createRegistry(), "data list --json", fakeMagicContext());
    if (out.kind !== "result") throw new Error(out.text);
    const value = out.result.value as DataListResult;
    const names = ["nas-bench-nlp-wikitext2", "sc21-ribbon", "hpdc23-kairos", "zeus-nsdi23", "litmatter-tpe-example", "supercloud-202201"];
    expect(value.datasets.map((d) => d.name).sort()).toEqual([...names].sort());
    for (const d of value.datasets) {
      expect(d.files.length).toBeGreaterThan(0);
      expect(["local", "cached", "absent"]).toContain(d.status);
      for (const f of d.files) {
        expect(Object.keys(f).sort()).toEqual(["bytes", "path", "sha256", "url"]);
        if (d.name !== "supercloud-202201") {
          expect(f.url).toMatch(/\/[0-9a-f]{40}\//);
          expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
          expect(f.bytes).toBeGreaterThan(0);
        } else expect(f.url).toMatch(/\/202201\//);
      }
    }
    const nlp = value.datasets.find((d) => d.name === "nas-bench-nlp-wikitext2")!;
    expect(nlp.files).toEqual([{ path: "logs.zip", url: expect.stringContaining("a6d90a3b19e3966b1d009c0970b3761aa46707d1/train_logs_wikitext-2/logs.zip"), bytes: 879000, sha256: "f5052d6bea6398001e32c986322a243e8cdedffa906caf242eb0a62ee105aa12" }]);
  });

  const why = preparedDataUnavailable();
  (why ? it.skip : it)(`finds every data set in a GREENAI_DATA_DIR laid out from ../shared/data, verified${why ? ` [SKIPPED: ${why}]` : ""}`, async () => {
    const m = await readManifest();
    const dataDir = preparedDataDir();
    for (const name of PREPARED_DATASETS) {
      const loc = await resolveDataset(name, { manifest: m, dataDir, cacheDir, download: false });
      expect([name, loc.source]).toEqual([name, "local"]);
      expect(loc.files.length).toBeGreaterThan(0);
    }
    const zeus = await resolveDataset("zeus-nsdi23", { manifest: m, dataDir, cacheDir, download: false, need: ["summary_power_v100.csv"] });
    expect(zeus.files.filter((f) => f.verified).map((f) => f.path).sort()).toEqual(["summary_power_p100.csv", "summary_power_v100.csv", "summary_train.csv"]);
    await expect(resolveDataset("zeus-nsdi23", { manifest: m, dataDir, cacheDir, download: false, need: ["summary_power_a40.csv"] })).rejects.toThrow(/lacks the file summary_power_a40\.csv.*greenai data fetch zeus-nsdi23/);
    // Nothing reads summary_train.csv: a copy with only the power file a notebook asks for is enough.
    const onlyV100 = path.join(tmp, "only-v100");
    fs.mkdirSync(path.join(onlyV100, "zeus-nsdi23"), { recursive: true });
    fs.symlinkSync(path.join(dataDir, "zeus-nsdi23", "summary_power_v100.csv"), path.join(onlyV100, "zeus-nsdi23", "summary_power_v100.csv"));
    const v100 = await resolveDataset("zeus-nsdi23", { manifest: m, dataDir: onlyV100, cacheDir, download: false, need: ["summary_power_v100.csv"] });
    expect(v100.files.map((f) => [f.path, f.verified])).toEqual([["summary_power_v100.csv", true]]);
    const ribbon = await resolveDataset("sc21-ribbon", { manifest: m, dataDir, cacheDir, download: false });
    expect(ribbon.files.filter((f) => f.verified).length).toBe(9);
  });
});
