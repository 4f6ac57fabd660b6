#!/usr/bin/env node
/**
 * Writes a notebook from a compact description, so notebooks are authored as readable
 * source: `node scripts/make-notebook.js spec.js out.ipynb`, where spec.js exports
 * [{md: "..."} | {code: "..."}]. Outputs are left empty (notebooks are executed in CI).
 */
"use strict";
const fs = require("fs");
const path = require("path");

function toLines(text) {
  const lines = text.replace(/^\n+|\s+$/g, "").split("\n");
  return lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l));
}

function notebook(cells) {
  return {
    cells: cells.map((c) =>
      c.md !== undefined
        ? { cell_type: "markdown", metadata: {}, source: toLines(c.md) }
        : { cell_type: "code", execution_count: null, metadata: {}, outputs: [], source: toLines(c.code) },
    ),
    metadata: {
      kernelspec: { name: "greenai", display_name: "TypeScript (greenai)", language: "typescript" },
      language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

if (require.main === module) {
  const [spec, out] = process.argv.slice(2);
  const cells = require(path.resolve(spec));
  fs.writeFileSync(out, JSON.stringify(notebook(cells), null, 1) + "\n");
}
module.exports = { notebook };
