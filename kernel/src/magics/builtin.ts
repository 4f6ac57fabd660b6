/** Magics about magics: %lsmagic and %echo (a trivial magic, used to measure dispatch overhead). */
import { escapeHtml, htmlTable, makeBundle, textTable } from "../display/bundle";
import type { MagicRegistry } from "./dispatch";
import type { Magic } from "./types";

export interface MagicListing {
  magics: { name: string; summary: string; commands: { name: string; summary: string; cell: boolean }[] }[];
}

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
          const text = `Available magics (help: %name? or %name --help):\n${textTable(["magic", "summary"], rows)}`;
          const html = `<p>Available magics (help: <code>%name?</code>)</p>${htmlTable(["magic", "summary"], rows, { maxRows: 500 })}`;
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
