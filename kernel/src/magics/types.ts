/** The contract between the dispatcher (kernel and CLI) and each magic. Magics never import tslab. */
import type { MimeBundle } from "../display/bundle";
import type { CommandSpec, ParsedArgs } from "./options";

export interface MagicContext {
  /** Shows a bundle; a second call with the same displayId updates it in place. */
  display(bundle: MimeBundle, displayId?: string): void;
  /** Prints a line of text to the cell's output (stdout in the CLI). */
  log(text: string): void;
  /** Reports progress of long work as one updating line (stderr in the CLI). */
  progress(message: string, fraction?: number): void;
  /** Aborted when the user interrupts; long work checks it (see throwIfAborted). */
  signal: AbortSignal;
  /** Folder relative paths are resolved against (the notebook's folder). */
  cwd: string;
  /** Cell body for `%%name` cell magics; undefined for line magics. */
  body?: string;
  /**
   * Runs TypeScript in the notebook (kernel only; undefined in the CLI), e.g. the body of a
   * cell magic whose spec has `bodyLanguage: "typescript"`. Rejects with the cell's error.
   */
  runTypeScript?: (code: string) => Promise<void>;
}

export interface MagicResult<T = unknown> {
  /** JSON-serialisable result: printed by `--json`, bound by `--as NAME`. */
  value: T;
  /** Exported type name of greenai-kernel describing `value`, for a typed `--as` binding. */
  typeName?: string;
  /** Rich display for notebooks; defaults to `text` as text/plain. */
  bundle?: MimeBundle;
  /** Plain-text summary printed by the CLI without `--json`. */
  text: string;
}

export interface MagicCommand {
  spec: CommandSpec;
  run(args: ParsedArgs, ctx: MagicContext): Promise<MagicResult>;
}

/**
 * A magic: `%name` or `%name sub`. A magic with subcommands names them `"<name> <sub>"`
 * in their specs; a magic without has one command whose spec name equals `name`.
 */
export interface Magic {
  name: string;
  summary: string;
  commands: readonly MagicCommand[];
}
