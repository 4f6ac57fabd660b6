import * as fs from "fs";
import * as path from "path";
import { DataFormatError } from "../../kernel/src/errors";
import { adviseFromSweep, workloadKey, type PowerSweepRow } from "../../kernel/src/energy/powercap";
import { devicePowerModel } from "../../kernel/src/tpe/energy";
import { sweepRowsFromCsv, sweepRowsFromFile, zeusPowerTableFromText } from "../../kernel/src/energy/read-sweep";
import { describeWithData } from "../helpers/shared-data";

const row = (power_limit: number, time_per_epoch: number, average_power: number, optimizer = "adam"): PowerSweepRow => ({
  dataset: "d",
  network: "n",
  batch_size: 64,
  optimizer,
  power_limit,
  time_per_epoch,
  average_power,
});

describe("adviseFromSweep", () => {
  // E = T·P: 150 W → 12·140 = 1680 J; 200 W → 10·180 = 1800 J; 250 W → 9·230 = 2070 J; 100 W → 20·95 = 1900 J
  const sweep = [row(250, 9, 230), row(100, 20, 95), row(200, 10, 180), row(150, 12, 140)];

  it("picks the limit with the least energy per epoch and reports its time cost", () => {
    const [r] = adviseFromSweep(sweep);
    expect(r).toMatchObject({ power_limit: 150, energy_per_epoch: 1680, time_per_epoch: 12, average_power: 140 });
    expect(r.at_max).toEqual({ power_limit: 250, energy_per_epoch: 2070, time_per_epoch: 9, average_power: 230 });
    expect(r.energy_saving_fraction).toBeCloseTo(1 - 1680 / 2070, 12);
    expect(r.time_cost_fraction).toBeCloseTo(12 / 9 - 1, 12);
    expect(r.points.map((p) => p.power_limit)).toEqual([100, 150, 200, 250]);
  });

  it("weighs time with eta (Zeus cost η·E + (1 − η)·P_max·T)", () => {
    // η = 0: minimise time → 250 W
    expect(adviseFromSweep(sweep, { eta: 0 })[0].power_limit).toBe(250);
    // η = 0.5: cost = ½E + ½·250·T: 100 → 3450, 150 → 2340, 200 → 2150, 250 → 2160
    expect(adviseFromSweep(sweep, { eta: 0.5 })[0].power_limit).toBe(200);
  });

  it("respects a cap on the time increase", () => {
    // 12/9 = +33 %, 10/9 = +11 %: with at most 20 % the best allowed is 200 W
    expect(adviseFromSweep(sweep, { maxTimeIncrease: 0.2 })[0].power_limit).toBe(200);
  });

  it("gives one recommendation per workload in order of appearance", () => {
    const r = adviseFromSweep([...sweep, row(250, 5, 100, "sgd"), row(100, 6, 50, "sgd")]);
    expect(r.map((x) => [x.optimizer, x.power_limit])).toEqual([
      ["adam", 150],
      ["sgd", 100],
    ]);
  });

  it("rejects eta outside [0, 1]", () => {
    expect(() => adviseFromSweep(sweep, { eta: 1.5 })).toThrow(RangeError);
  });
});

describe("workloadKey", () => {
  it("is the one spelling: dataset/network/batch_size/optimizer, the key a device power model takes and shows", () => {
    const rows = [row(100, 2, 90), row(150, 1, 140), row(150, 1, 130, "sgd")];
    expect(workloadKey(rows[0])).toBe("d/n/64/adam");
    expect(workloadKey({ ...rows[0], batch_size: null })).toBe("d/n//adam");
    expect(devicePowerModel(rows, { gpu: "v100", workload: workloadKey(rows[0]) })).toMatchObject({ workload: "d/n/64/adam", powerLimitW: 150 });
    expect(adviseFromSweep(rows).map((r) => workloadKey(r))).toEqual(["d/n/64/adam", "d/n/64/sgd"]);
  });
});

describe("sweepRowsFromCsv", () => {
  it("reads a user's sweep without workload columns", () => {
    const rows = sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n150,12,140\n250,9,230\n", "mine.csv");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ dataset: "", batch_size: null, power_limit: 150 });
  });
  it("names file, line and column of bad input", () => {
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch\n1,2\n", "a.csv")).toThrow(/a\.csv:1: column "average_power" missing/);
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n150,x,140\n", "b.csv")).toThrow(/b\.csv:2:2: time_per_epoch is "x"/);
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n150,1\n", "c.csv")).toThrow(/c\.csv:2: expected 3/);
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n150,1,2\n150,1,3\n", "d.csv")).toThrow(/d\.csv:3: .*already appears on line 2/);
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n", "e.csv")).toThrow(DataFormatError);
  });
  it("keeps the stricter of the two former readers' rules: positive numbers, quoted cells", () => {
    // average power 0 W and batch size ≤ 0 were accepted by one reader and refused by the other
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n150,1,0\n", "f.csv")).toThrow(/f\.csv:2:3: average_power is "0"; expected a positive number/);
    expect(() => sweepRowsFromCsv("batch_size,power_limit,time_per_epoch,average_power\n-8,150,1,2\n", "g.csv")).toThrow(/g\.csv:2:1: batch_size is "-8"/);
    expect(() => sweepRowsFromCsv("power_limit,time_per_epoch,average_power\n150,inf,2\n", "h.csv")).toThrow(/h\.csv:2:2:/);
    const rows = sweepRowsFromCsv('dataset,network,batch_size,optimizer,power_limit,time_per_epoch,average_power\n"imagenet, sub",resnet,64,"adam",150,1,2\n', "q.csv");
    expect(rows[0]).toMatchObject({ dataset: "imagenet, sub", optimizer: "adam", batch_size: 64 });
  });
  it("a Zeus trace needs every Zeus column and rejects a repeated (workload, limit)", () => {
    const head = "dataset,network,batch_size,optimizer,power_limit,time_per_epoch,average_power";
    expect(() => zeusPowerTableFromText("power_limit,time_per_epoch,average_power\n150,1,2\n", "summary_power_v100.csv")).toThrow(/:1: missing column\(s\) dataset, network, batch_size, optimizer;/);
    expect(() => zeusPowerTableFromText(`${head}\na,b,32,sgd,150,1,2\na,b,32,sgd,150,1,3\n`, "summary_power_v100.csv")).toThrow(/:3: .*already appears on line 2/);
    expect(zeusPowerTableFromText(`${head}\na,b,32,sgd,150,1,2\n`, "x/summary_power_a40.csv").gpu).toBe("a40");
  });

  it("a Zeus trace's header is its first CSV record, blank lines before it skipped", () => {
    const head = "dataset,network,batch_size,optimizer,power_limit,time_per_epoch,average_power";
    const { rows } = zeusPowerTableFromText(`\n\r\n${head}\r\na,b,32,sgd,150,1,2\r\n`, "summary_power_v100.csv");
    expect(rows).toEqual([{ dataset: "a", network: "b", batch_size: 32, optimizer: "sgd", power_limit: 150, time_per_epoch: 1, average_power: 2 }]);
    expect(() => zeusPowerTableFromText("\n\npower_limit,time_per_epoch,average_power\n150,1,2\n", "summary_power_v100.csv")).toThrow(/:3: missing column\(s\) dataset/);
    expect(() => zeusPowerTableFromText("\n\n", "summary_power_v100.csv")).toThrow(/: empty file; expected a header/);
  });
});

/**
 * Independent check on the Zeus traces: group the raw CSV by workload with plain string
 * handling, compute E = time_per_epoch × average_power per limit, take the minimum.
 */
function independentTable(file: string): Map<string, { limit: number; energy: number; time: number; maxLimit: number; maxTime: number }> {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  const h = lines[0].split(",");
  const ix = (n: string) => h.indexOf(n);
  const out = new Map<string, { limit: number; energy: number; time: number; maxLimit: number; maxTime: number }>();
  for (const line of lines.slice(1)) {
    const c = line.split(",");
    const key = [c[ix("dataset")], c[ix("network")], Number(c[ix("batch_size")]), c[ix("optimizer")]].join("|");
    const limit = Number(c[ix("power_limit")]);
    const time = Number(c[ix("time_per_epoch")]);
    const energy = time * Number(c[ix("average_power")]);
    const cur = out.get(key);
    if (!cur) out.set(key, { limit, energy, time, maxLimit: limit, maxTime: time });
    else {
      if (energy < cur.energy) Object.assign(cur, { limit, energy, time });
      if (limit > cur.maxLimit) Object.assign(cur, { maxLimit: limit, maxTime: time });
    }
  }
  return out;
}

describeWithData("energy/zeus-nsdi23", "power-limit advice on the Zeus traces", (dir) => {
  for (const gpu of ["v100", "p100"]) {
    it(`${gpu}: picks the lowest-energy limit of every workload and reports its time cost`, () => {
      const file = path.join(dir, `summary_power_${gpu}.csv`);
      const expected = independentTable(file);
      const recs = adviseFromSweep(sweepRowsFromFile(file));
      expect(recs).toHaveLength(expected.size);
      for (const r of recs) {
        const e = expected.get([r.dataset, r.network, r.batch_size, r.optimizer].join("|"))!;
        expect(e).toBeDefined();
        expect(r.power_limit).toBe(e.limit);
        expect(r.energy_per_epoch).toBeCloseTo(e.energy, 9);
        expect(r.time_per_epoch).toBeCloseTo(e.time, 12);
        expect(r.at_max.power_limit).toBe(e.maxLimit);
        expect(r.time_cost_fraction).toBeCloseTo(e.time / e.maxTime - 1, 12);
        expect(r.energy_saving_fraction).toBeGreaterThanOrEqual(0);
      }
      // the maximum limit is 250 W on both GPUs
      expect(new Set(recs.map((r) => r.at_max.power_limit))).toEqual(new Set([250]));
    });
  }
});
