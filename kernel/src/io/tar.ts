/**
 * Reader of (gzipped) ustar archives, as upstream data sets ship them (Kairos `data.tar.gz`,
 * RIBBON `characterization/logs.tar.gz`). Pure: bytes in, regular files out.
 */
import * as zlib from "zlib";
import { DataFormatError } from "../errors";

/** Regular files of a (gzipped) ustar archive: path → content. Long names (GNU 'L', pax 'x') supported. */
export function tarEntries(archive: Buffer, file = "archive"): Map<string, Buffer> {
  const data = archive[0] === 0x1f && archive[1] === 0x8b ? zlib.gunzipSync(archive) : archive;
  const out = new Map<string, Buffer>();
  let off = 0;
  let longName: string | null = null;
  const field = (o: number, len: number) => {
    const raw = data.subarray(o, o + len);
    const end = raw.indexOf(0);
    return raw.subarray(0, end < 0 ? len : end).toString("utf8");
  };
  while (off + 512 <= data.length) {
    const header = data.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const sizeText = field(off + 124, 12).trim();
    const size = parseInt(sizeText || "0", 8);
    if (!Number.isFinite(size) || size < 0) throw new DataFormatError(`${file}: corrupt tar header at byte ${off} (size ${JSON.stringify(sizeText)})`);
    const type = String.fromCharCode(data[off + 156] || 48);
    const prefix = field(off + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(off, 100)}` : field(off, 100));
    longName = null;
    const body = data.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw new DataFormatError(`${file}: the archive ends inside ${name}`);
    if (type === "L") longName = body.toString("utf8").replace(/\0+$/, "");
    else if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
      if (m) longName = m[1];
    } else if (type === "0" || type === "7") {
      name = name.replace(/^\.\//, "");
      out.set(name, Buffer.from(body));
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
