/**
 * `greenai`: the shell twin of every magic (`greenai tpe replay … --json`), plus
 * `greenai kernel` (start the Jupyter kernel) and `greenai install` (write the kernelspec).
 */
import { GreenaiError, InterruptedError, UsageError } from "./errors";
import { dispatchMagic } from "./magics/dispatch";
import type { MagicContext } from "./magics/types";

const TOP_HELP = `greenai: energy-aware AI tools from the shell and in Jupyter.

Usage:
  greenai kernel --config-path FILE        start the Jupyter kernel (used by kernel.json)
  greenai install [--user | --prefix DIR | --sys-prefix] [--name N] [--display-name S]
                                           write the kernelspec
  greenai <magic> [command] [options] [--json]
                                           run a magic from the shell (see greenai lsmagic)
  greenai <magic> --help                   help on a magic
  greenai energy serve --port P [--host H] serve the meter's energy as OpenMetrics at /metrics (Prometheus)`;

/** Quotes a word so that tokenize() gives it back unchanged. */
export function quoteWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

export async function main(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    console.log(TOP_HELP);
    return first === undefined ? 2 : 0;
  }
  if (first === "kernel") {
    const { kernelMain } = await import("./kernel/main");
    return kernelMain(argv.slice(1));
  }
  if (first === "install") {
    const { installMain } = await import("./kernel/install");
    return installMain(argv.slice(1));
  }
  return runMagicCli(argv);
}

async function runMagicCli(argv: string[]): Promise<number> {
  // Loaded here, not at the top: `greenai install` and `greenai kernel` need none of the magics' modules up front.
  const { createRegistry } = await import("./magics/registry");
  const registry = createRegistry();
  const controller = new AbortController();
  // The first Ctrl-C asks the command to stop (it says what it had done); a second one kills at once.
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  let progressShown = false;
  const ctx: MagicContext = {
    display: () => undefined,
    log: (text) => console.log(text),
    progress: (message, fraction) => {
      if (!process.stderr.isTTY) return;
      const pct = fraction === undefined ? "" : ` ${(100 * fraction).toFixed(0)}%`;
      process.stderr.write(`\r\x1b[K${message}${pct}`);
      progressShown = true;
    },
    signal: controller.signal,
    cwd: process.cwd(),
  };
  try {
    const outcome = await dispatchMagic(registry, argv.map(quoteWord).join(" "), ctx, "greenai ");
    if (progressShown) process.stderr.write("\r\x1b[K");
    if (outcome.kind === "help") {
      console.log(outcome.text);
      return 0;
    }
    if (outcome.bindAs) console.error("note: --as only applies in notebooks; ignored");
    console.log(outcome.json ? JSON.stringify(outcome.result.value, null, 2) : outcome.result.text);
    return 0;
  } catch (err) {
    if (progressShown) process.stderr.write("\r\x1b[K");
    if (err instanceof UsageError) {
      console.error(`UsageError: ${err.message}`);
      if (err.usage) console.error(`\n${err.usage}`);
      return 2;
    }
    if (err instanceof InterruptedError) {
      // 128 + SIGINT, as a shell reports a command stopped by Ctrl-C.
      console.error(`${err.name}: ${err.message}`);
      return 130;
    }
    if (err instanceof GreenaiError) {
      console.error(`${err.name}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
