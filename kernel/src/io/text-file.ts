/**
 * Reading a whole text file with errors that name the file and say what was expected. Edge module.
 */
import * as fs from "fs";
import { DataFormatError } from "../errors";

function readError(file: string, e: unknown): DataFormatError {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ENOENT") return new DataFormatError(`${file}: no such file`);
  if (err.code === "EISDIR") return new DataFormatError(`${file}: is a folder, expected a file`);
  return new DataFormatError(`${file}: cannot read (${err.message})`);
}

/** The file's text (UTF-8); a DataFormatError names a missing file, a folder or another read failure. */
export async function textFromFile(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, "utf8");
  } catch (e) {
    throw readError(file, e);
  }
}

/** textFromFile for callers that must stay synchronous (a run folder opened before anything runs). */
export function textFromFileSync(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw readError(file, e);
  }
}
