/** Minimal archive writers for tests: enough to build upstream-format files for the readers. */
import * as zlib from "zlib";

/** A ustar archive of [name, body, type?] (type "0" file, "5" folder, "L" GNU long name); checksums are not set. */
export function tar(files: [string, string, string?][]): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, body, type = "0"] of files) {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 100), 0);
    h.write(Buffer.byteLength(body).toString(8).padStart(11, "0"), 124);
    h.write(type, 156);
    h.write("ustar", 257);
    blocks.push(h);
    const b = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
    b.write(body, 0);
    blocks.push(b);
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A zip archive of [name, body]; bodies are deflated unless `stored`. Names ending in "/" are folders. */
export function zip(files: [string, string | Buffer][], stored = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of files) {
    const body = Buffer.isBuffer(content) ? content : Buffer.from(content);
    const packed = stored || name.endsWith("/") ? body : zlib.deflateRawSync(body);
    const method = packed === body ? 0 : 8;
    const crc = zlib.crc32(body);
    const n = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(body.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(body.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, packed);
    centrals.push(central, n);
    offset += 30 + n.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}
