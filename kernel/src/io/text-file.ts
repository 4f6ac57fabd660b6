/**
 * Reading a whole text file with errors that name the file and say what was expected. Edge module.
 */
import { promises as fsp } from "fs";
import { DataFormatError } from "../errors";

/** The file's text (UTF-8); a DataFormatError names a missing file, a folder or another read failure. */
export async function textFromFile(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new DataFormatError(`${file}: no such file`);
    if (err.code === "EISDIR") throw new DataFormatError(`${file}: is a folder, expected a file`);
    throw new DataFormatError(`${file}: cannot read (${err.message})`);
  }
}
