/**
 * The one fake MagicContext for tests: it records what a magic logs, reports and displays,
 * so a test can drive any magic through the dispatcher without a kernel.
 */
import type { MimeBundle } from "../../kernel/src/display/bundle";
import type { MagicContext } from "../../kernel/src/magics/types";

export interface FakeMagicContext extends MagicContext {
  /** Lines passed to log(), in order. */
  readonly logs: string[];
  /** (message, fraction) of each progress() call, in order. */
  readonly progressCalls: [string, number | undefined][];
  /** Bundles passed to display(), with their display ids. */
  readonly displays: { bundle: MimeBundle; id?: string }[];
}

export interface FakeMagicContextOptions {
  /** Folder relative paths resolve against; default process.cwd(). */
  cwd?: string;
  /** Cell body, for `%%` cell magics. */
  body?: string;
  /** Abort signal; default one that never aborts. */
  signal?: AbortSignal;
  runTypeScript?: MagicContext["runTypeScript"];
}

export function fakeMagicContext(opts: FakeMagicContextOptions = {}): FakeMagicContext {
  const logs: string[] = [];
  const progressCalls: [string, number | undefined][] = [];
  const displays: { bundle: MimeBundle; id?: string }[] = [];
  return {
    logs,
    progressCalls,
    displays,
    display: (bundle, id) => displays.push({ bundle, id }),
    log: (text) => logs.push(text),
    progress: (message, fraction) => progressCalls.push([message, fraction]),
    signal: opts.signal ?? new AbortController().signal,
    cwd: opts.cwd ?? process.cwd(),
    body: opts.body,
    runTypeScript: opts.runTypeScript,
  };
}
