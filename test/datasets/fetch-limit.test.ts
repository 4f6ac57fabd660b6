/**
 * `data fetch` stops a download at the manifest entry's byte count (issue 15, item 6): a larger
 * Content-Length is refused before the body is read, and a body that runs past the count (no
 * Content-Length) is cut at once. Served by a local HTTP server that offers 10 MB for a
 * 1,000-byte entry and counts what it managed to send.
 */
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import type { AddressInfo } from "net";
import { fetchDataset } from "../../kernel/src/datasets/fetch";
import { parseManifest, type Manifest } from "../../kernel/src/datasets/manifest";

const TEN_MB = 10 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61);
let server: http.Server;
let base: string;
/** Bytes the server's writes handed to the socket, per request, when the connection ended. */
let sent: Promise<number>;

/** Streams `total` bytes with back-pressure; resolves with the bytes handed over when the client goes away or all is sent. */
function stream(res: http.ServerResponse, total: number): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve(n);
      }
    };
    res.on("close", finish);
    const pump = () => {
      while (!done && n < total) {
        const ok = res.write(CHUNK);
        n += CHUNK.length;
        if (!ok) {
          res.once("drain", pump);
          return;
        }
      }
      if (n >= total) res.end(finish);
    };
    pump();
  });
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === "/announced") {
      res.writeHead(200, { "content-length": TEN_MB });
      sent = stream(res, TEN_MB);
    } else if (req.url === "/chunked") {
      res.writeHead(200); // no Content-Length: chunked transfer
      sent = stream(res, TEN_MB);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

function manifest(url: string): Manifest {
  return parseManifest({
    schema_version: 1,
    datasets: [{ name: "demo", title: "Demo", homepage: "http://example.org", citation: "none", licence: "CC0", total_bytes: null, files: [{ path: "f.bin", url, bytes: 1000, sha256: null }], notes: [] }],
  });
}

describe("data fetch byte limit", () => {
  let dest: string;
  beforeEach(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-fetch-limit-"));
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));

  it("refuses a Content-Length above the manifest's bytes before reading the body", async () => {
    const url = `${base}/announced`;
    await expect(fetchDataset("demo", { manifest: manifest(url), dest })).rejects.toThrow(
      `download stopped: the manifest says demo/f.bin is 1000 bytes, but ${url} announces ${TEN_MB} bytes (Content-Length); nothing was kept`,
    );
    expect(await sent).toBeLessThan(TEN_MB); // cut before the end (the sockets' buffers hold a few MB the client never reads)
    expect(fs.readdirSync(dest)).toEqual([]); // no f.bin, no f.bin.part
  });

  it("cuts a body without Content-Length as soon as it passes the manifest's bytes", async () => {
    const url = `${base}/chunked`;
    const err = await fetchDataset("demo", { manifest: manifest(url), dest }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const m = /download stopped: the manifest says demo\/f\.bin is 1000 bytes, but (\S+) sent more than that \((\d+) bytes so far\); nothing was kept/.exec((err as Error).message);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(url);
    expect(Number(m![2])).toBeLessThanOrEqual(1000 + CHUNK.length); // stopped at the first chunk past the limit
    expect(await sent).toBeLessThan(TEN_MB); // cut before the end (the sockets' buffers hold a few MB the client never reads)
    expect(fs.readdirSync(dest)).toEqual([]);
  });
});
