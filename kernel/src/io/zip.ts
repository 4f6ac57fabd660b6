/**
 * Reader of zip archives, as upstream data sets ship them (NAS-Bench-NLP `logs.zip`): the
 * central directory is read from the end of the file, each entry is stored or deflated, and
 * its CRC-32 is checked. Pure: bytes in, regular files out. No zip64 (archives over 4 GiB).
 */
import * as zlib from "zlib";
import { DataFormatError } from "../errors";

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Offset of the end-of-central-directory record: the last signature within its 64 KiB comment window. */
function findEnd(data: Buffer, file: string): number {
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === EOCD) return i;
  }
  throw new DataFormatError(`${file}: not a zip archive (no end of central directory)`);
}

/** Regular files of a zip archive: path → content (folders are skipped). */
export function zipEntries(data: Buffer, file = "archive"): Map<string, Buffer> {
  const end = findEnd(data, file);
  const count = data.readUInt16LE(end + 10);
  let off = data.readUInt32LE(end + 16);
  if (count === 0xffff || off === 0xffffffff) throw new DataFormatError(`${file}: zip64 archives are not supported`);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (off + 46 > data.length || data.readUInt32LE(off) !== CENTRAL) throw new DataFormatError(`${file}: corrupt central directory at byte ${off}`);
    const method = data.readUInt16LE(off + 10);
    const crc = data.readUInt32LE(off + 16);
    const packed = data.readUInt32LE(off + 20);
    const size = data.readUInt32LE(off + 24);
    const nameLen = data.readUInt16LE(off + 28);
    const extraLen = data.readUInt16LE(off + 30);
    const commentLen = data.readUInt16LE(off + 32);
    const local = data.readUInt32LE(off + 42);
    const name = data.subarray(off + 46, off + 46 + nameLen).toString("utf8");
    off += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith("/")) continue;
    if (local + 30 > data.length || data.readUInt32LE(local) !== LOCAL) throw new DataFormatError(`${file}: corrupt local header of ${name}`);
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const raw = data.subarray(start, start + packed);
    if (raw.length < packed) throw new DataFormatError(`${file}: the archive ends inside ${name}`);
    let body: Buffer;
    if (method === 0) body = Buffer.from(raw);
    else if (method === 8) {
      try {
        body = zlib.inflateRawSync(raw);
      } catch (err) {
        throw new DataFormatError(`${file}: cannot inflate ${name} (${(err as Error).message})`);
      }
    } else throw new DataFormatError(`${file}: ${name} uses compression method ${method}; only stored (0) and deflate (8) are read`);
    if (body.length !== size || zlib.crc32(body) !== crc) throw new DataFormatError(`${file}: ${name} is corrupt (size or CRC-32 does not match)`);
    out.set(name, body);
  }
  return out;
}
