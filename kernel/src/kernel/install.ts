/**
 * `greenai install`: writes the kernelspec from Node (no Python, unlike `tslab install`):
 * absolute node and bin paths, separate argv entries, interrupt by signal.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../errors";
import { formatUsage, parseArgs, type CommandSpec } from "../magics/options";

export const INSTALL_SPEC: CommandSpec = {
  name: "install",
  summary: "Write the greenai kernelspec (kernel.json) into a Jupyter data directory.",
  flags: [
    { name: "user", type: "boolean", help: "install into ~/.local/share/jupyter (the default)" },
    { name: "prefix", type: "string", metavar: "DIR", help: "install into DIR/share/jupyter" },
    { name: "sys-prefix", type: "boolean", help: "install into /usr/local/share/jupyter" },
    { name: "name", type: "string", default: "greenai", help: "kernelspec name (folder name)" },
    { name: "display-name", type: "string", default: "TypeScript (greenai)", help: "name shown in the launcher" },
  ],
};

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  /** Added to the kernel's environment by Jupyter when it starts the kernel. */
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/**
 * One glibc malloc arena for the kernel process. With the default (an arena per thread, up to 8 per
 * core), memory freed after a burst of large outputs stayed with the process outside the V8 heap,
 * most likely in the arenas of the kernel's other threads (the meter's worker, ZeroMQ's I/O thread,
 * libuv's pool): test/kernel/memory.test.ts (500 cells of 100 kB outputs, 2 busy cores beside it)
 * ended over 1.2x its start on 2 of 3 runs (up to 1.49x) with heapTotal the same as in a passing run
 * (157 MB), and at 1.14x at most on 4 of 4 runs with MALLOC_ARENA_MAX=1 (with 2 arenas, 3 of 4 runs
 * were still over 1.2x). The kernel's own work is on one thread; bench/kernel.bench.js showed no
 * latency difference with and without it, beyond its noise.
 */
export const KERNEL_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "1" };

/** The kernelspec contents: absolute node and greenai paths, `{connection_file}` as its own entry. */
export function kernelSpecFor(displayName: string, binPath = path.resolve(__dirname, "../../bin/greenai.js")): KernelSpec {
  return {
    argv: [process.execPath, binPath, "kernel", "--config-path", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    interrupt_mode: "signal",
    env: { ...KERNEL_ENV },
    metadata: { debugger: false },
  };
}

/** Data directory for the chosen scope. */
export function dataDirFor(opts: { prefix?: string; sysPrefix?: boolean }): string {
  if (opts.prefix) return path.join(path.resolve(opts.prefix), "share", "jupyter");
  if (opts.sysPrefix) return "/usr/local/share/jupyter";
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(xdg, "jupyter");
}

/** Writes `<dataDir>/kernels/<name>/kernel.json` and returns its path. */
export function installKernelSpec(dataDir: string, name: string, spec: KernelSpec): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new UsageError(`--name must use letters, digits, ".", "_" or "-" but got ${JSON.stringify(name)}`);
  if (name === "tslab") throw new UsageError(`--name tslab would clash with stock tslab; choose another name`);
  const dir = path.join(dataDir, "kernels", name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "kernel.json");
  fs.writeFileSync(file, JSON.stringify(spec, null, 2) + "\n");
  return file;
}

export async function installMain(argv: string[]): Promise<number> {
  try {
    if (argv.includes("--help") || argv.includes("-h")) {
      console.log(formatUsage(INSTALL_SPEC, "greenai "));
      return 0;
    }
    const { flags } = parseArgs(argv, INSTALL_SPEC);
    const scopes = [flags.user, flags.prefix !== undefined, flags["sys-prefix"]].filter(Boolean).length;
    if (scopes > 1) throw new UsageError("give at most one of --user, --prefix DIR, --sys-prefix", formatUsage(INSTALL_SPEC, "greenai "));
    const dataDir = dataDirFor({ prefix: flags.prefix as string | undefined, sysPrefix: flags["sys-prefix"] as boolean | undefined });
    const file = installKernelSpec(dataDir, flags.name as string, kernelSpecFor(flags["display-name"] as string));
    console.log(`Installed kernelspec ${flags.name} in ${file}`);
    if (flags.prefix) console.log(`Jupyter finds it with JUPYTER_PATH=${dataDir}`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`UsageError: ${err.message}`);
      if (err.usage) console.error(`\n${err.usage}`);
      return 2;
    }
    throw err;
  }
}
