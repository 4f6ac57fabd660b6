#!/usr/bin/env node
/**
 * The power-limit tuner's target (run after `npm run build`): on each GPU's Zeus sweep, every
 * (dataset, network, batch_size, optimizer) is a new job, the other GPU's sweep is the prior,
 * at most 4 probes (replayed from the sweep). Target: the recommended limit's energy per
 * epoch within 3% of the job's sweep minimum for ≥ 85% of jobs, with no slowdown bound and
 * with --max-slowdown 0.1 (there the minimum is over the limits meeting the bound, from the
 * full sweep). Baselines in the same run: probe low/middle/high and take the best; a
 * quadratic through those 3 probes; the full sweep (every limit); and the tuner without
 * --workload (no row of the prior is known to be this job). Exits 1 if the target fails.
 * Data: ../shared/data/energy/zeus-nsdi23 (or GREENAI_ZEUS_DIR).
 */
"use strict";
const path = require("path");
const { sweepRowsFromFile, evaluateTuner } = require(process.env.GREENAI_KERNEL_DIST || "../kernel/dist/energy");

const dir = process.env.GREENAI_ZEUS_DIR || path.join(__dirname, "..", "..", "shared", "data", "energy", "zeus-nsdi23");
const gpus = ["v100", "p100"];
const rows = Object.fromEntries(gpus.map((g) => [g, sweepRowsFromFile(path.join(dir, `summary_power_${g}.csv`))]));

async function main() {
  let ok = true;
  for (const bound of [undefined, 0.1]) {
    console.log(`\n--max-slowdown ${bound === undefined ? "none" : bound}`);
    const header = ["GPU", "method", "jobs", "within 3%", "within 2%", "mean probes", "mean excess", "worst excess"];
    const table = [];
    for (const g of gpus) {
      const priors = gpus.filter((o) => o !== g).map((o) => ({ source: o, rows: rows[o] }));
      const t0 = process.hrtime.bigint();
      const res = await evaluateTuner({ rows: rows[g], priors, maxSlowdown: bound });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // the same tuner without matching the job to its own workload in the prior
      const blind = await evaluateTuner({ rows: rows[g], priors, maxSlowdown: bound, useWorkload: false });
      res["tuner (4 probes, no --workload)"] = blind["tuner (4 probes, no --workload)"];
      for (const [name, r] of Object.entries(res)) {
        table.push([g, name, r.jobs, pct(r.within3), pct(r.within2), r.meanProbes.toFixed(2), pct(r.meanExcess), pct(r.worstExcess)]);
      }
      const tuned = res["tuner (4 probes)"];
      if (tuned.within3 < 0.85) ok = false;
      table.push([g, `(tuner + baselines: ${ms.toFixed(0)} ms for ${tuned.jobs} jobs)`, "", "", "", "", "", ""]);
    }
    printTable(header, table);
  }
  console.log(ok ? "\ntarget met: tuner within 3% for ≥ 85% of jobs on every GPU and bound" : "\nTARGET MISSED");
  process.exitCode = ok ? 0 : 1;
}

function pct(x) {
  // a method that chose a limit beyond the slowdown bound has no finite excess
  if (!Number.isFinite(x)) return "beyond bound";
  return `${(100 * x).toFixed(1)}%`;
}

function printTable(header, rows) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(w[i])).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
