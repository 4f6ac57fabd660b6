/** Magics about magics: %lsmagic, %echo (trivial: measures dispatch overhead) and %sleep (progress and interrupt). */
import { escapeHtml, htmlTable, makeBundle, textTable } from "../display/bundle";
import { throwIfAborted, UsageError } from "../errors";
import type { MagicRegistry } from "./dispatch";
import type { Magic } from "./types";

export interface MagicListing {
  magics: { name: string; summary: string; commands: { name: string; summary: string; cell: boolean }[] }[];
}

/** How `$name` works in magic lines (kernel/executor expands it before the dispatcher sees the line). */
const NAMES_NOTE =
  "In a magic line, $x stands for the value bound by an earlier --as x: a string as is, or its .path (e.g. %data path NAME --as x, then --curves $x). $$ is a literal $; nothing in single quotes expands.";

export function lsmagicMagic(registry: MagicRegistry): Magic {
  return {
    name: "lsmagic",
    summary: "list the available magics",
    commands: [
      {
        spec: { name: "lsmagic", summary: "List every magic and command with a one-line summary.", flags: [] },
        async run() {
          const value: MagicListing = {
            magics: registry.list().map((m) => ({
              name: m.name,
              summary: m.summary,
              commands: m.commands.map((c) => ({
                name: c.spec.name,
                summary: c.spec.summary,
                cell: (c.spec.body ?? "none") !== "none",
              })),
            })),
          };
          const rows = value.magics.flatMap((m) => m.commands.map((c) => [`${c.cell ? "%%" : "%"}${c.name}`, c.summary]));
          const text = `Available magics (help: %name? or %name --help):\n${textTable(["magic", "summary"], rows)}\n${NAMES_NOTE}`;
          const html = `<p>Available magics (help: <code>%name?</code>)</p>${htmlTable(["magic", "summary"], rows, { maxRows: 500 })}<p>${escapeHtml(NAMES_NOTE)}</p>`;
          return { value, typeName: "MagicListing", text, bundle: makeBundle({ html, text }) };
        },
      },
    ],
  };
}

export const echoMagic: Magic = {
  name: "echo",
  summary: "print its arguments (a trivial magic)",
  commands: [
    {
      spec: {
        name: "echo",
        summary: "Print the arguments, or the cell body of %%echo.",
        flags: [],
        positionals: [{ name: "words", help: "words to print", variadic: true }],
        body: "optional",
        examples: ["%echo hello world"],
      },
      async run(args, ctx) {
        const text = ctx.body !== undefined ? ctx.body : args.positionals.join(" ");
        return { value: { text }, text, bundle: makeBundle({ text, html: `<pre>${escapeHtml(text)}</pre>` }) };
      },
    },
  ],
};

export const sleepMagic: Magic = {
  name: "sleep",
  summary: "wait, showing progress (for demos and for testing interrupts)",
  commands: [
    {
      spec: {
        name: "sleep",
        summary: "Wait SECONDS, updating one progress line; the kernel's interrupt stops it.",
        flags: [{ name: "step", type: "number", default: 0.1, min: 0.001, help: "seconds between progress updates" }],
        positionals: [{ name: "seconds", help: "how long to wait, in seconds", required: true }],
        examples: ["%sleep 2"],
      },
      async run(args, ctx) {
        const seconds = Number(args.positionals[0]);
        if (!(seconds >= 0 && Number.isFinite(seconds))) {
          throw new UsageError(`SECONDS must be a number ≥ 0 but got ${JSON.stringify(args.positionals[0])}`);
        }
        const stepMs = (args.flags.step as number) * 1000;
        const t0 = Date.now();
        for (;;) {
          throwIfAborted(ctx.signal);
          const elapsed = Date.now() - t0;
          ctx.progress(`waited ${(elapsed / 1000).toFixed(1)} of ${seconds} s`, Math.min(1, elapsed / (seconds * 1000 || 1)));
          if (elapsed >= seconds * 1000) break;
          await new Promise((r) => setTimeout(r, Math.min(stepMs, seconds * 1000 - elapsed)));
        }
        const text = `slept ${seconds} s`;
        return { value: { seconds }, text };
      },
    },
  ],
};

export interface TimeResult {
  wall_ms: number;
}

export const timeMagic: Magic = {
  name: "time",
  summary: "run the TypeScript cell body and report its wall time",
  commands: [
    {
      spec: {
        name: "time",
        summary: "Run the TypeScript body of the cell (%%time on the first line) and print its wall time.",
        flags: [],
        body: "required",
        bodyLanguage: "typescript",
        examples: ["%%time\nconst xs = Array.from({ length: 1e6 }, (_, i) => i);\nxs.reduce((a, b) => a + b)"],
      },
      async run(_args, ctx) {
        if (!ctx.runTypeScript) throw new UsageError("%%time runs TypeScript cells: use it in a notebook, not from the shell");
        const t0 = process.hrtime.bigint();
        await ctx.runTypeScript(ctx.body ?? "");
        const wall_ms = Number(process.hrtime.bigint() - t0) / 1e6;
        return { value: { wall_ms }, typeName: "TimeResult", text: `Wall time: ${wall_ms.toFixed(1)} ms` };
      },
    },
  ],
};
