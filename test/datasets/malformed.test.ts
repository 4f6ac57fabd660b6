/**
 * Malformed input: strict mode names file, line and column; lenient mode skips the row and
 * counts it; nothing crashes and no other row changes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataFormatError } from "../../kernel/src/errors";
import { csvTableFromFile } from "../../kernel/src/datasets/read";
import { CsvFormatError, tableFromCsvText, tableRowsJsonForTest } from "./helpers";
import { CPU_SPEC, GPU_SPEC, LABELS_SPEC, NODE_SPEC, SLURM_SPEC, type TableSpec } from "../../kernel/src/datasets/schemas";
import { Rng } from "../../kernel/src/datasets/generate";
import { loadSupercloudTable, type LoadEngine } from "../../kernel/src/datasets/load";
import type { SupercloudTableName } from "../../kernel/src/datasets/schemas";

const FIX = path.join(__dirname, "fixtures");
const slurmText = fs.readFileSync(path.join(FIX, "slurm-log.csv"), "utf8");
const slurmLines = slurmText.split("\n");
const GPU_HEADER = "timestamp,gpu_index,utilization_gpu_pct,utilization_memory_pct,memory_free_MiB,memory_used_MiB,temperature_gpu,temperature_memory,power_draw_W,pcie_link_width_current";

function strictError(spec: TableSpec, text: string, file = "bad.csv"): CsvFormatError {
  try {
    tableFromCsvText(spec, text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(CsvFormatError);
    expect(e).toBeInstanceOf(DataFormatError);
    return e as CsvFormatError;
  }
  throw new Error("expected a CsvFormatError");
}

/** The fixture with line n (1-based) replaced. */
function withLine(n: number, line: string): string {
  const l = slurmLines.slice();
  l[n - 1] = line;
  return l.join("\n");
}

describe("malformed input, strict mode: a clear error naming file, line and column", () => {
  it("short row", () => {
    const e = strictError(SLURM_SPEC, withLine(3, slurmLines[2].split(",").slice(0, 12).join(",")), "slurm-log.csv");
    expect(e.message).toBe("slurm-log.csv, line 3, column 13 (array_task_pending): short row: 12 fields where the header has 29");
    expect([e.file, e.line, e.column]).toEqual(["slurm-log.csv", 3, 13]);
  });

  it("unclosed quote", () => {
    const bad = slurmLines[2].replace(/,OTHER$/, ',"OTHER');
    const e = strictError(SLURM_SPEC, withLine(3, bad), "slurm-log.csv");
    expect(e.message).toMatch(/^slurm-log\.csv, line 3, column 29 \(job_type\): unclosed quote/);
  });

  it("a stray quote that closes at a later quote", () => {
    const bad = slurmLines[2].replace("['r3309187-n580244']", "\"['r3309187-n580244']");
    const e = strictError(SLURM_SPEC, withLine(3, bad), "slurm-log.csv");
    expect(e.message).toMatch(/^slurm-log\.csv, line 3, column 7 \(nodelist\): unexpected character "1" after a closing quote/);
  });

  it("non-numeric value in a numeric column", () => {
    const f = slurmLines[4].split(",");
    f[0] = "55501234567x";
    const e = strictError(SLURM_SPEC, withLine(5, f.join(",")), "slurm-log.csv");
    expect(e.message).toBe('slurm-log.csv, line 5, column 1 (id_job): expected a 64-bit integer but got "55501234567x"');
  });

  it("non-numeric value in a float column of a GPU file", () => {
    const e = strictError(GPU_SPEC, `${GPU_HEADER}\n1626100863,0,0,0,32510,0,41,39,38.12,16\n1626100864,0,0,0,32510,0,41,39,lots,16\n`, "gpu/0000/1-r1-n2.csv");
    expect(e.message).toBe('gpu/0000/1-r1-n2.csv, line 3, column 9 (power_draw_W): expected a number but got "lots"');
  });

  it("value out of range for its type", () => {
    const bad = slurmLines[2].replace(",5,1440,", ",5,4294967296,"); // timelimit (UInt32)
    expect(bad).not.toBe(slurmLines[2]);
    const e = strictError(SLURM_SPEC, withLine(3, bad), "slurm-log.csv");
    expect(e.message).toMatch(/line 3, column 20 \(timelimit\): expected an unsigned 32-bit integer but got "4294967296"/);
  });

  it("unknown extra column in the header", () => {
    const e = strictError(SLURM_SPEC, withLine(1, slurmLines[0] + ",gres_req"), "slurm-log.csv");
    expect(e.message).toMatch(/^slurm-log\.csv, line 1, column 30 \(gres_req\): unknown column "gres_req"/);
    expect(e.message).toMatch(/use lenient mode/);
  });

  it("unknown extra column in a row", () => {
    const e = strictError(SLURM_SPEC, withLine(4, slurmLines[3] + ",surprise"), "slurm-log.csv");
    expect(e.message).toBe('slurm-log.csv, line 4, column 30: unknown extra column: 30 fields where the header has 29 (the last is "job_type")');
  });

  it("empty file", () => {
    const e = strictError(SLURM_SPEC, "", "slurm-log.csv");
    expect(e.message).toBe("slurm-log.csv, line 1, column 1: the file is empty; expected a header row or data rows of the scheduler log (slurm-log.csv)");
    expect(strictError(LABELS_SPEC, "\n\n", "labelled_jobids.csv").message).toMatch(/labelled_jobids\.csv, line 1, column 1: the file is empty; expected a header row/);
  });

  it("a header-only file is an empty table, not an error", () => {
    const r = tableFromCsvText(SLURM_SPEC, slurmLines[0] + "\n", "slurm-log.csv");
    expect(r.table.numRows).toBe(0);
    expect(r.table.numCols).toBe(29 + SLURM_SPEC.derived.length);
  });

  it("missing required value (null id_job)", () => {
    const f = slurmLines[2].split(",");
    f[0] = "\\N";
    expect(strictError(SLURM_SPEC, withLine(3, f.join(",")), "s.csv").message).toMatch(/s\.csv, line 3, column 1 \(id_job\): missing value/);
  });

  it("a value a decoded column cannot read names the decoded column", () => {
    const bad = slurmLines[2].replace("['r3309187-n580244']", "r3309187-n580244");
    expect(strictError(SLURM_SPEC, withLine(3, bad), "s.csv").message).toMatch(/line 3, column 7 \(nodelist\): expected a Python list literal .* \(decoding nodes\)/);
  });

  it("the error of a file on disk names its path", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-bad-"));
    const f = path.join(dir, "cpu.csv");
    fs.writeFileSync(f, "Step,Node,Series,ElapsedTime,EpochTime,CPUFrequency,CPUTime,CPUUtilization,RSS,VMSize,Pages,ReadMB,WriteMB\nbatch,n,0,10,1626100866,12,39.87,398.7,20481316,61203444,7,x,0\n");
    await expect(csvTableFromFile(CPU_SPEC, f)).rejects.toThrow(`${f}, line 2, column 12 (ReadMB): expected a number but got "x"`);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("malformed input, lenient mode: the row is skipped and counted", () => {
  const cases: [string, string, number][] = [
    ["short row", withLine(3, slurmLines[2].split(",").slice(0, 12).join(",")), 3],
    ["unclosed quote", withLine(3, slurmLines[2].replace(/,OTHER$/, ',"OTHER')), 3],
    ["non-numeric value", withLine(4, slurmLines[3].replace("55501234567", "5550123456x")), 4],
    ["unknown extra column in a row", withLine(4, slurmLines[3] + ",surprise"), 4],
  ];
  it.each(cases)("%s", (_name, text, badLine) => {
    const { table, report } = tableFromCsvText(SLURM_SPEC, text, "slurm-log.csv", { mode: "lenient" });
    expect(report.skippedRows).toBe(1);
    expect(report.rowsRead).toBe(5);
    expect(report.rowsKept).toBe(4);
    expect(report.issues).toHaveLength(1);
    expect(report.issues[0].line).toBe(badLine);
    expect(report.issues[0].file).toBe("slurm-log.csv");
    // The other rows are exactly the good rows.
    const good = tableFromCsvText(SLURM_SPEC, slurmText, "slurm-log.csv").table;
    const want = tableRowsJsonForTest(good).filter((_, i) => i !== badLine - 2);
    expect(tableRowsJsonForTest(table)).toEqual(want);
  });

  it("an unknown header column is read as text and reported", () => {
    const text = [slurmLines[0] + ",gres_req", ...slurmLines.slice(1, 3).map((l) => l + ",gpu:2")].join("\n");
    const { table, report } = tableFromCsvText(SLURM_SPEC, text, "slurm-log.csv", { mode: "lenient" });
    expect(report.extraColumns).toEqual(["gres_req"]);
    expect(report.skippedRows).toBe(0);
    expect(String(table.schema.fields.find((f) => f.name === "gres_req")?.type)).toBe("Utf8");
    expect([...table.getChild("gres_req")!]).toEqual(["gpu:2", "gpu:2"]);
  });

  it("an empty file gives an empty table and an issue", () => {
    const { table, report } = tableFromCsvText(NODE_SPEC, "", "node-data.csv", { mode: "lenient" });
    expect(table.numRows).toBe(0);
    expect(report.issues[0].message).toMatch(/the file is empty/);
  });

  it("a decoded value that cannot be decoded becomes null and is counted; the row stays", () => {
    const text = withLine(3, slurmLines[2].replace("['r3309187-n580244']", "r3309187-n580244"));
    const { table, report } = tableFromCsvText(SLURM_SPEC, text, "s.csv", { mode: "lenient" });
    expect(report.skippedRows).toBe(0);
    expect(report.undecoded).toEqual({ nodes: 1 });
    expect(table.getChild("nodes")!.get(1)).toBeNull();
    expect(table.getChild("nodelist")!.get(1)).toBe("r3309187-n580244");
  });

  it("keeps at most maxIssues samples but counts every skipped row", () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${1626100863 + i},0,x,0,32510,0,41,39,38,16`);
    const { report } = tableFromCsvText(GPU_SPEC, [GPU_HEADER, ...rows].join("\n"), "g.csv", { mode: "lenient", maxIssues: 5 });
    expect(report.skippedRows).toBe(50);
    expect(report.issues).toHaveLength(5);
  });
});

describe("robustness", () => {
  it("never crashes and never changes other rows, whatever one byte is changed to", () => {
    const rng = new Rng(2021);
    const good = tableRowsJsonForTest(tableFromCsvText(SLURM_SPEC, slurmText, "s.csv").table);
    const alphabet = ',"\n\r\\N x0-9.[]\'=';
    for (let k = 0; k < 400; k++) {
      const line = rng.int(2, 6);
      const chars = slurmLines[line - 1].split("");
      const at = rng.int(0, chars.length);
      const c = alphabet[rng.int(0, alphabet.length - 1)];
      if (rng.chance(0.5)) chars.splice(at, 1, c);
      else chars.splice(at, 0, c);
      const text = withLine(line, chars.join(""));
      for (const mode of ["strict", "lenient"] as const) {
        let rows: Record<string, unknown>[];
        try {
          rows = tableRowsJsonForTest(tableFromCsvText(SLURM_SPEC, text, "s.csv", { mode }).table);
        } catch (e) {
          expect(mode).toBe("strict");
          expect(e).toBeInstanceOf(CsvFormatError);
          // A newline splits the line: the second half is on the next line.
          const ok = (e as CsvFormatError).line === line || (c === "\n" && (e as CsvFormatError).line === line + 1);
          if (!ok) throw new Error(`mutated line ${line} to ${JSON.stringify(chars.join(""))}: ${(e as Error).message}`);
          continue;
        }
        const others = (rs: Record<string, unknown>[]) => rs.filter((_, i) => i !== line - 2);
        if (rows.length === good.length) expect(others(rows)).toEqual(others(good));
        else {
          expect(rows.length).toBe(good.length - 1);
          expect(rows).toEqual(others(good));
        }
      }
    }
  });

  it("never crashes on random bytes", () => {
    const rng = new Rng(5);
    for (let k = 0; k < 200; k++) {
      const bytes = Uint8Array.from({ length: rng.int(0, 400) }, () => (rng.chance(0.3) ? rng.pick([0x2c, 0x22, 0x0a, 0x0d, 0x5c]) : rng.int(0, 255)));
      for (const spec of [SLURM_SPEC, GPU_SPEC, CPU_SPEC, LABELS_SPEC]) {
        try {
          tableFromCsvText(spec, bytes, "random.bin", { mode: "lenient" });
        } catch (e) {
          expect(e).toBeInstanceOf(CsvFormatError);
        }
      }
    }
  });
});

/** Whether the DuckDB engine can run here (an optional dependency). */
function duckdbMissing(): string | undefined {
  try {
    require.resolve("@duckdb/node-api");
    return undefined;
  } catch {
    return "@duckdb/node-api is not installed (an optional dependency): the DuckDB engine cannot run here";
  }
}

describe("both engines: a bad release file fails with file, line and column", () => {
  const missing = duckdbMissing();
  const engines: LoadEngine[] = missing ? ["arrow"] : ["arrow", "duckdb"];
  if (missing) it.skip(`duckdb cases [SKIPPED: ${missing}]`, () => undefined);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-malformed-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The error each engine gives for the table; all must be CsvFormatErrors with the same message. */
  async function errorsOf(table: SupercloudTableName): Promise<string> {
    const messages: string[] = [];
    for (const engine of engines) {
      const err = await loadSupercloudTable(dir, table, {}, engine).then(
        () => new Error(`${engine}: no error`),
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(CsvFormatError);
      messages.push(err.message);
    }
    expect(new Set(messages).size).toBe(1); // the same message from both engines
    return messages[0];
  }

  const log = (text: string) => fs.writeFileSync(path.join(dir, "slurm-log.csv"), text);

  it("an empty scheduler log", async () => {
    log("");
    expect(await errorsOf("slurm")).toBe("slurm-log.csv, line 1, column 1: the file is empty; expected a header row or data rows of the scheduler log (slurm-log.csv)");
  });

  it("a garbage file", async () => {
    log("garbage\u0000\u0001 blah\nmore junk\n");
    expect(await errorsOf("slurm")).toMatch(/^slurm-log\.csv, line 1, column 2 \(id_array_job\): short row: 1 fields where the format has 29/);
  });

  it("a wrong header (a renamed column)", async () => {
    log(withLine(1, slurmLines[0].replace("partition", "queue")));
    expect(await errorsOf("slurm")).toMatch(/^slurm-log\.csv, line 1: column "partition" is missing from the header/);
  });

  it("a wrong type near the start", async () => {
    const f = slurmLines[4].split(",");
    f[0] = "55501234567x";
    log(withLine(5, f.join(",")));
    expect(await errorsOf("slurm")).toBe('slurm-log.csv, line 5, column 1 (id_job): expected a 64-bit integer but got "55501234567x"');
  });

  it("a wrong type far into a big file (past what is checked before DuckDB reads)", async () => {
    const rows = slurmLines.slice(1).filter((l) => l.trim() !== "");
    const body: string[] = [];
    for (let i = 0; body.length < 2000; i++) body.push(rows[i % rows.length]);
    const bad = body[1990].split(",");
    bad[8] = "zero"; // field 9 of the split, column 8 (cpus_req, Int32): the quoted nodelist holds a comma
    body[1990] = bad.join(",");
    const text = [slurmLines[0], ...body].join("\n") + "\n";
    expect(Buffer.byteLength(text)).toBeGreaterThan(200 * 1024);
    log(text);
    expect(await errorsOf("slurm")).toBe('slurm-log.csv, line 1992, column 8 (cpus_req): expected a 32-bit integer but got "zero"');
  });

  it("an empty GPU series file is named with its path", async () => {
    fs.mkdirSync(path.join(dir, "gpu", "0000"), { recursive: true });
    fs.writeFileSync(path.join(dir, "gpu", "0000", "98189645309-r6203676-n200777.csv"), "");
    expect(await errorsOf("gpu")).toMatch(/^gpu\/0000\/98189645309-r6203676-n200777\.csv, line 1, column 1: the file is empty/);
  });

  it("the DuckDB engine refuses columns out of the documented order (it reads by position), naming the file", async () => {
    if (missing) return;
    const cols = GPU_HEADER.split(",");
    const swapped = [cols[1], cols[0], ...cols.slice(2)].join(",");
    fs.mkdirSync(path.join(dir, "gpu", "0000"), { recursive: true });
    fs.writeFileSync(path.join(dir, "gpu", "0000", "98189645309-r6203676-n200777.csv"), `${swapped}\n0,1626100863,0,0,32510,0,41,39,38.12,16\n`);
    const arrow = await loadSupercloudTable(dir, "gpu", {}, "arrow");
    expect(arrow.table.numRows).toBe(1); // by name: fine
    await expect(loadSupercloudTable(dir, "gpu", {}, "duckdb")).rejects.toThrow(/^gpu\/0000\/98189645309-r6203676-n200777\.csv, line 1, column 1: the DuckDB engine reads the GPU .* in the documented order .* use --engine arrow/);
  });
});
