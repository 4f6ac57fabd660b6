/**
 * The one way a command writes a file the user named (`--out`, `--arrow`): never over one of the
 * command's own inputs, never half-written (a temporary file in the same folder, then a rename),
 * never to a name with a trailing slash, and saying when an existing file was replaced.
 */
import * as fs from "fs";
import * as path from "path";
import { GreenaiError } from "../errors";

/** What a write did: the resolved path, its size, and whether a file was there before. */
export interface OutputWrite {
  path: string;
  bytes: number;
  /** True when a file of that name existed and was replaced. */
  overwritten: boolean;
}

/** An output file: the flag that named it, its resolved path, and what the same command reads. */
export interface OutputTarget {
  /** The flag that named it, e.g. "--arrow" (for messages). */
  flag: string;
  /** The name as the user gave it (a trailing slash is refused, so do not resolve it first). */
  file: string;
  /** The folder a relative name is resolved against (default: the process's). */
  cwd?: string;
  /** What the same command reads: files, and folders whose every file is read (e.g. DIR/cpu). */
  inputs: readonly string[];
}

/** The real path of `p`, following symbolic links of the part that exists (the rest appended). */
function realPathOf(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Checks an output name before any work is done. Refused, with a GreenaiError naming the flag,
 * the path and what to do: a trailing slash (a folder name given for a file), an existing folder,
 * an input of the same command (by real path, so links and `..` do not hide it), and a name inside
 * an input folder. Returns the real path to write (a link named as output is written through).
 */
export function checkOutputFile(target: OutputTarget): string {
  const { flag, file, inputs } = target;
  const abs = path.resolve(target.cwd ?? process.cwd(), file);
  if (/[\\/]$/.test(file)) {
    throw new GreenaiError(`${flag} ${file}: a file name may not end with "/"; give the file's name (e.g. ${flag} ${file.replace(/[\\/]+$/, "")})`);
  }
  const real = realPathOf(abs);
  if (isDirectory(real)) throw new GreenaiError(`${flag} ${file}: that is a folder; give a file name inside it (e.g. ${flag} ${path.join(file, "out")})`);
  for (const input of inputs) {
    const r = realPathOf(path.resolve(target.cwd ?? process.cwd(), input));
    if (r === real) throw new GreenaiError(`${flag} ${file} is an input of this command and would be overwritten by its output; write to another file`);
    if (isDirectory(r) && real.startsWith(r + path.sep)) {
      throw new GreenaiError(`${flag} ${file} lies inside ${input}, which this command reads; write outside that folder`);
    }
  }
  return real;
}

/**
 * Writes `data` to `target.file` through a temporary file in the same folder and a rename, after
 * `checkOutputFile`. Creates missing parent folders. Returns what was written.
 */
export async function writeOutputFile(target: OutputTarget, data: string | Uint8Array): Promise<OutputWrite> {
  const file = checkOutputFile(target);
  return writeAtomically(target.flag, file, async (fh) => {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    await fh.writeFile(bytes);
    return bytes.length;
  });
}

/**
 * The atomic part alone: `fill` writes into an open temporary file next to `file`, which is
 * renamed over `file` when `fill` succeeds and removed when it fails. Returns what was written.
 */
export async function writeAtomically(flag: string, file: string, fill: (fh: fs.promises.FileHandle) => Promise<number>): Promise<OutputWrite> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let overwritten = false;
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    overwritten = fs.existsSync(file);
    const fh = await fs.promises.open(tmp, "wx");
    let bytes: number;
    try {
      bytes = await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, file);
    return { path: file, bytes, overwritten };
  } catch (err) {
    await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
    if (err instanceof GreenaiError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new GreenaiError(`${flag} ${file}: cannot write the file (${e.code ?? e.message}); check that its folder is writable and the disk has room`);
  }
}

/** " (replaced the existing file)" when a write overwrote a file, else "": for result texts. */
export function overwriteNote(w: { overwritten: boolean }): string {
  return w.overwritten ? " (replaced the existing file)" : "";
}
