// Source of notebooks/01-kernel-basics.ipynb (node scripts/make-notebook.js scripts/notebooks/01-kernel-basics.js notebooks/01-kernel-basics.ipynb)
module.exports = [
  { md: `
# The greenai kernel: TypeScript with magics

This notebook runs on the **TypeScript (greenai)** kernel. Plain cells are TypeScript, exactly as in
[tslab](https://github.com/yunabe/tslab): types are checked, top-level \`await\` works, the value of the
last expression is printed. On top of that, lines starting with \`%\` are *magics*: small commands for
energy-aware AI work (\`%tpe\`, \`%ribbon\`, \`%dataset\`, \`%energy\`). Every magic also runs from the
shell as \`greenai <magic> …\`.
` },
  { md: "`%lsmagic` lists every magic with a one-line summary." },
  { code: "%lsmagic" },
  { md: "Append `?` (or `--help`) to any magic for its help: arguments, options with defaults and units, examples." },
  { code: "%sleep?" },
  { md: "Ordinary TypeScript, type-checked:" },
  { code: `
const xs: number[] = [3, 1, 2];
xs.sort((a, b) => a - b)
` },
  { md: "TypeScript and magic lines can share a cell. They run in order; each TypeScript part prints its last expression." },
  { code: `
let total = 0;
%echo adding up the numbers
for (const x of xs) total += x;
total
` },
  { md: `
\`--as NAME\` binds a magic's result to a notebook variable. The variable is **typed**, so completion
works on it and mistakes are caught before anything runs.
` },
  { code: "%lsmagic --as listing" },
  { code: "listing.magics.map(m => m.name)" },
  { md: "Long magics show their progress in one line that updates in place (the kernel's interrupt button stops them)." },
  { code: "%sleep 1" },
  { md: `
The \`greenai\` library is available in every notebook. \`greenai.display\` sends a rich output: here a
bundle with HTML and a plain-text fallback (viewers pick the richest form they can show).
` },
  { code: `
greenai.display(greenai.makeBundle({
  html: greenai.htmlTable(["instance", "$/h"], [["c5a.4xlarge", 0.616], ["m5.2xlarge", 0.384]]),
  text: "two instance prices",
}));
` },
];
