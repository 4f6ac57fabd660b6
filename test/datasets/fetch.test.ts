/**
 * `greenai data fetch`: real downloads from an HTTP server on 127.0.0.1 started by the test,
 * with redirects, checksums, sizes, errors and resumption.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import { InterruptedError } from "../../kernel/src/errors";
import { fetchDataset, readManifest } from "../../kernel/src/datasets/fetch";
import { findDataset, parseManifest, type Manifest } from "../../kernel/src/datasets/manifest";

const body = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `row ${i},${(i * 7919) % 1000}\n`).join(""));
const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");

let server: http.Server;
let base: string;
let truncateNext = 0;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(`${req.url} ${req.headers.range ?? ""}`.trim());
    const url = req.url ?? "";
    if (url === "/redirect") {
      res.writeHead(302, { location: "/data/a.csv" });
      res.end();
      return;
    }
    if (url === "/stall") {
      // Announce the whole file, send part of it, then go silent with the connection open.
      res.writeHead(200, { "content-length": body.length });
      res.write(body.subarray(0, 20_000));
      return;
    }
    if (url === "/data/a.csv" || url === "/data/b.csv") {
      const content = url === "/data/b.csv" ? Buffer.from("tiny\n") : body;
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      if (range) {
        const from = Number(range[1]);
        res.writeHead(206, { "content-length": content.length - from, "content-range": `bytes ${from}-${content.length - 1}/${content.length}` });
        res.end(content.subarray(from));
        return;
      }
      if (truncateNext > 0) {
        // Announce the whole file, send part of it, then drop the connection.
        res.writeHead(200, { "content-length": content.length });
        res.write(content.subarray(0, truncateNext), () => res.destroy());
        truncateNext = 0;
        return;
      }
      res.writeHead(200, { "content-length": content.length });
      res.end(content);
      return;
    }
    res.writeHead(404);
    res.end("not found");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

function manifest(files: { path: string; url: string; bytes?: number | null; sha256?: string | null }[]): Manifest {
  return parseManifest({
    schema_version: 1,
    datasets: [
      {
        name: "demo",
        title: "Demo",
        homepage: "http://example.org",
        citation: "none",
        licence: "CC0",
        total_bytes: null,
        files: files.map((f) => ({ bytes: null, sha256: null, ...f })),
        notes: ["a note"],
      },
    ],
  });
}

describe("data fetch", () => {
  let dest: string;
  beforeEach(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-fetch-"));
    hits.length = 0;
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));

  it("downloads through a redirect, checks the checksum, and skips a checked copy next time", async () => {
    const m = manifest([
      { path: "a.csv", url: `${base}/redirect`, bytes: body.length, sha256: sha(body) },
      { path: "sub/b.csv", url: `${base}/data/b.csv` },
    ]);
    const r = await fetchDataset("demo", { manifest: m, dest });
    expect(r.files.map((f) => [f.path, f.status, f.verified, f.bytes])).toEqual([
      ["a.csv", "downloaded", "sha256", body.length],
      ["sub/b.csv", "downloaded", "none", 5],
    ]);
    expect(fs.readFileSync(path.join(dest, "a.csv")).equals(body)).toBe(true);
    expect(fs.readFileSync(path.join(dest, "sub/b.csv"), "utf8")).toBe("tiny\n");
    expect(fs.existsSync(path.join(dest, "a.csv.part"))).toBe(false);
    expect(r.notes).toEqual(["a note"]);
    hits.length = 0;
    const again = await fetchDataset("demo", { manifest: m, dest });
    expect(again.files.map((f) => f.status)).toEqual(["present", "present"]);
    expect(hits).toEqual([]);
  });

  it("downloads again a present copy that fails its checksum", async () => {
    const m = manifest([{ path: "a.csv", url: `${base}/data/a.csv`, sha256: sha(body) }]);
    fs.writeFileSync(path.join(dest, "a.csv"), "corrupted");
    const r = await fetchDataset("demo", { manifest: m, dest });
    expect(r.files[0].status).toBe("downloaded");
    expect(fs.readFileSync(path.join(dest, "a.csv")).equals(body)).toBe(true);
  });

  it("rejects a checksum mismatch and deletes the download", async () => {
    const m = manifest([{ path: "a.csv", url: `${base}/data/a.csv`, sha256: "0".repeat(64) }]);
    await expect(fetchDataset("demo", { manifest: m, dest })).rejects.toThrow(`checksum mismatch for demo/a.csv: expected sha256 ${"0".repeat(64)}, got ${sha(body)}; the download was deleted`);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it("rejects a size mismatch", async () => {
    const m = manifest([{ path: "b.csv", url: `${base}/data/b.csv`, bytes: 6 }]);
    await expect(fetchDataset("demo", { manifest: m, dest })).rejects.toThrow(/size mismatch for demo\/b\.csv: the manifest says 6 bytes, .* gave 5/);
  });

  it("reports HTTP errors and unreachable servers with the URL", async () => {
    await expect(fetchDataset("demo", { manifest: manifest([{ path: "x", url: `${base}/nope` }]), dest })).rejects.toThrow(`HTTP 404 fetching ${base}/nope`);
    await expect(fetchDataset("demo", { manifest: manifest([{ path: "x", url: "http://127.0.0.1:1/x" }]), dest })).rejects.toThrow(/cannot download http:\/\/127\.0\.0\.1:1\/x: ECONNREFUSED/);
  });

  it("keeps a cut download and resumes it with a Range request", async () => {
    const m = manifest([{ path: "a.csv", url: `${base}/data/a.csv`, bytes: body.length, sha256: sha(body) }]);
    truncateNext = 20_000;
    await expect(fetchDataset("demo", { manifest: m, dest })).rejects.toThrow(/closed early .* run the fetch again to resume/);
    const part = fs.statSync(path.join(dest, "a.csv.part")).size;
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(body.length);
    hits.length = 0;
    const r = await fetchDataset("demo", { manifest: m, dest });
    expect(r.files[0]).toMatchObject({ status: "resumed", verified: "sha256", bytes: body.length, sha256: sha(body) });
    expect(hits).toEqual([`/data/a.csv bytes=${part}-`]);
    expect(fs.readFileSync(path.join(dest, "a.csv")).equals(body)).toBe(true);
  });

  it("fetches only the files asked for, and names unknown ones", async () => {
    const m = manifest([
      { path: "a.csv", url: `${base}/data/a.csv` },
      { path: "b.csv", url: `${base}/data/b.csv` },
    ]);
    const r = await fetchDataset("demo", { manifest: m, dest, only: ["b.csv"] });
    expect(r.files.map((f) => f.path)).toEqual(["b.csv"]);
    await expect(fetchDataset("demo", { manifest: m, dest, only: ["c.csv"] })).rejects.toThrow(/demo has no file c\.csv; its files: a\.csv, b\.csv/);
    await expect(fetchDataset("other", { manifest: m, dest })).rejects.toThrow(/no data set named "other" in the manifest; known: demo/);
  });

  it("stops when interrupted", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(fetchDataset("demo", { manifest: manifest([{ path: "a.csv", url: `${base}/data/a.csv` }]), dest, signal: ac.signal })).rejects.toThrow(/interrupted/);
  });

  it("says a server went silent mid-body, not that it closed the connection, and keeps what arrived", async () => {
    const m = manifest([{ path: "a.csv", url: `${base}/stall`, bytes: body.length }]);
    const err = await fetchDataset("demo", { manifest: m, dest, idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^no answer from 127\.0\.0\.1:\d+ for 0 s fetching .*\/stall \(stalled after 20000 bytes\); run the fetch again to resume$/);
    expect(fs.statSync(path.join(dest, "a.csv.part")).size).toBe(20_000);
  });

  it("reports an interrupt during the body as an interrupt", async () => {
    const ac = new AbortController();
    const m = manifest([{ path: "a.csv", url: `${base}/stall`, bytes: body.length }]);
    const err = await fetchDataset("demo", {
      manifest: m,
      dest,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toBe("interrupted by the user");
  });
});

describe("the shipped manifest", () => {
  it("is valid, lists the Supercloud release and pins verified files", async () => {
    const m = await readManifest(path.resolve(__dirname, "../../data/datasets.json"));
    const sc = findDataset(m, "supercloud-202201");
    expect(sc.files.map((f) => f.path)).toEqual(expect.arrayContaining(["slurm-log.csv", "labelled_jobids.csv", "node-data.csv", "tres-mapping.txt"]));
    expect(sc.citation).toMatch(/10\.1109\/HPEC49654\.2021\.9622850/);
    for (const d of m.datasets) for (const f of d.files) if (f.sha256) expect(f.url).toMatch(/\/[0-9a-f]{40}\//);
  });

  it("matches the shared copies where they are present", () => {
    const shared = path.resolve(__dirname, "../../../shared/data");
    const copies: Record<string, string> = {
      "litmatter-tpe-example/metrics.csv": "curves/litmatter-tpe-example/metrics.csv",
      "zeus-nsdi23/summary_train.csv": "energy/zeus-nsdi23/summary_train.csv",
      "zeus-nsdi23/summary_power_v100.csv": "energy/zeus-nsdi23/summary_power_v100.csv",
      "zeus-nsdi23/summary_power_p100.csv": "energy/zeus-nsdi23/summary_power_p100.csv",
      "sc21-ribbon/query/price.csv": "ribbon/query/price.csv",
      "sc21-ribbon/LICENSE": "ribbon/LICENSE",
      ...Object.fromEntries(["candle", "dien", "homogeneous", "mtwnd", "resnet", "saving", "vgg"].map((c) => [`sc21-ribbon/query/configs/${c}.json`, `ribbon/query/configs/${c}.json`])),
      ...Object.fromEntries(["instance.json", "price.csv", "config.json", "allocator_profile.json"].map((f) => [`hpdc23-kairos/${f}`, `kairos/${f}`])),
    };
    const m = parseManifest(JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../data/datasets.json"), "utf8")));
    let checked = 0;
    for (const [key, rel] of Object.entries(copies)) {
      const p = path.join(shared, rel);
      if (!fs.existsSync(p)) continue;
      const ds = key.slice(0, key.indexOf("/"));
      const file = key.slice(key.indexOf("/") + 1);
      const f = findDataset(m, ds).files.find((x) => x.path === file)!;
      const b = fs.readFileSync(p);
      expect([key, b.length, sha(b)]).toEqual([key, f.bytes, f.sha256]);
      checked++;
    }
    if (checked === 0) console.warn(`SKIPPED: ${shared} is absent; the pinned checksums were not compared`);
  });

  it.each([
    [{ schema_version: 3, datasets: [] }, /schema_version: expected 1 or 2/],
    [{ schema_version: 1, datasets: [{ name: "x", title: "t", homepage: "h", citation: "c", licence: "l", files: [{ path: "../etc/passwd", url: "http://a/b" }] }] }, /datasets\[0\]\.files\[0\]\.path: expected a relative path/],
    [{ schema_version: 1, datasets: [{ name: "x", title: "t", homepage: "h", citation: "c", licence: "l", files: [{ path: "a", url: "ftp://a/b" }] }] }, /url: expected an http\(s\) URL/],
    [{ schema_version: 1, datasets: [{ name: "x", title: "t", homepage: "h", citation: "c", licence: "l", files: [{ path: "a", url: "http://a/b", sha256: "XYZ" }] }] }, /sha256: expected 64 lower-case hex digits/],
  ])("rejects a bad manifest (%#)", (value, msg) => {
    expect(() => parseManifest(value)).toThrow(msg);
  });
});
