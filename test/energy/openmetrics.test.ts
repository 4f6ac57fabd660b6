import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import {
  energyMetricFamilies,
  EnergyCounters,
  escapeLabelValue,
  openMetricsText,
  OPENMETRICS_CONTENT_TYPE,
  sourceOfSample,
  type MetricFamily,
} from "../../kernel/src/energy/openmetrics";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { energyMagic } from "../../kernel/src/magics/energy";
import { fakeMagicContext } from "../helpers/magic-context";
import { REPO_ROOT } from "../helpers/shared-data";
import { waitUntil } from "../helpers/wait";

const PYTHON = "/usr/bin/python3";
const PARSER = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "unit": f.unit, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
`;
const hasParser = spawnSync(PYTHON, ["-c", "import prometheus_client.openmetrics.parser"]).status === 0;

interface Parsed {
  name: string;
  type: string;
  unit: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** Parses with prometheus_client's strict OpenMetrics parser; throws with its message when it rejects the text. */
function strictParse(text: string): Parsed[] {
  const r = spawnSync(PYTHON, ["-c", PARSER], { input: text, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`the strict OpenMetrics parser rejected the text: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout) as Parsed[];
}

const strict = hasParser ? describe : describe.skip;
const skipNote = hasParser ? "" : " [SKIPPED: python3-prometheus-client is not installed (scripts/apt-packages.txt)]";

describe("openMetricsText", () => {
  it("writes TYPE, UNIT, HELP, samples with _total for counters, and # EOF last", () => {
    const text = openMetricsText(energyMetricFamilies([{ device: "gpu0", source: "nvidia-smi", energy_j: 123.4, power_w: 250.5, samples: 3 }]));
    expect(text.split("\n")).toEqual([
      "# TYPE greenai_energy_joules counter",
      "# UNIT greenai_energy_joules joules",
      expect.stringMatching(/^# HELP greenai_energy_joules Energy since the meter started/),
      'greenai_energy_joules_total{device="gpu0",source="nvidia-smi"} 123.4',
      "# TYPE greenai_power_watts gauge",
      "# UNIT greenai_power_watts watts",
      expect.stringMatching(/^# HELP greenai_power_watts /),
      'greenai_power_watts{device="gpu0",source="nvidia-smi"} 250.5',
      "# EOF",
      "",
    ]);
  });
  it("escapes label values: backslash, quote, newline", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
  it("rejects what a scraper would reject", () => {
    const fam = (f: Partial<MetricFamily>): MetricFamily[] => [{ name: "x_joules", type: "counter", unit: "joules", help: "h", samples: [], ...f }];
    expect(() => openMetricsText(fam({ name: "x_total" , unit: undefined}))).toThrow(/without _total/);
    expect(() => openMetricsText(fam({ name: "x_watts" }))).toThrow(/must end in _joules/);
    expect(() => openMetricsText(fam({ samples: [{ value: -1 }] }))).toThrow(/finite and ≥ 0/);
    expect(() => openMetricsText(fam({ samples: [{ value: NaN }] }))).toThrow(RangeError);
    expect(() => openMetricsText(fam({ samples: [{ labels: { "bad-name": "v" }, value: 1 }] }))).toThrow(/label name "bad-name"/);
    expect(() => openMetricsText(fam({ samples: [{ value: 1 }, { value: 2 }] }))).toThrow(/two samples/);
    expect(() => openMetricsText(fam({ name: "9x" }))).toThrow(/metric name/);
  });
});

describe("EnergyCounters: energy per device, sample by sample, with the integrator's segment rule", () => {
  it("trapezoid for power, increase for a counter, gaps left out, sources labelled", () => {
    const c = new EnergyCounters({ maxGapMs: 5000 });
    const p = (t: number, v: number | null) => c.add({ device: "gpu0", kind: "power", t_ms: t, value: v, estimated: false });
    p(0, 100);
    p(1000, 300); // 200 J
    p(2000, null); // skipped
    p(3000, 100); // 2 s at mean 200 W: 400 J
    p(20_000, 100); // a 17 s gap: missing, not integrated
    p(21_000, 100); // 100 J
    c.add({ device: "cpu-package-0", kind: "energy-counter", t_ms: 0, value: 10, estimated: false });
    c.add({ device: "cpu-package-0", kind: "energy-counter", t_ms: 500, value: 40, estimated: false });
    c.add({ device: "cpu", kind: "power", t_ms: 0, value: 10, estimated: true });
    const r = c.readings();
    expect(r[0]).toMatchObject({ device: "gpu0", source: "nvidia-smi", energy_j: 700, power_w: 100, samples: 5 });
    expect(r[1]).toMatchObject({ device: "cpu-package-0", source: "rapl", energy_j: 30, power_w: 60 });
    expect(r[2]).toMatchObject({ device: "cpu", source: "estimate", energy_j: 0, power_w: 10 });
    expect(sourceOfSample({ kind: "power", estimated: true })).toBe("estimate");
  });
});

strict(`OpenMetrics text against a strict parser (prometheus_client)${skipNote}`, () => {
  it("parses, with units, _total samples and hostile label values intact", () => {
    const hostile = 'gpu"0\\\n{x="1"}';
    const text = openMetricsText(
      energyMetricFamilies([
        { device: hostile, source: "nvidia-smi", energy_j: 1e-7, power_w: 1e21, samples: 2 },
        { device: "cpu", source: "estimate", energy_j: 0, power_w: null, samples: 1 },
      ]),
    );
    const fams = strictParse(text);
    expect(fams.map((f) => [f.name, f.type, f.unit])).toEqual([["greenai_energy_joules", "counter", "joules"], ["greenai_power_watts", "gauge", "watts"]]);
    expect(fams[0].samples).toEqual([
      { name: "greenai_energy_joules_total", labels: { device: hostile, source: "nvidia-smi" }, value: 1e-7 },
      { name: "greenai_energy_joules_total", labels: { device: "cpu", source: "estimate" }, value: 0 },
    ]);
    expect(fams[1].samples).toEqual([{ name: "greenai_power_watts", labels: { device: hostile, source: "nvidia-smi" }, value: 1e21 }]);
  });
  it("the parser is strict: it rejects text without # EOF", () => {
    const text = openMetricsText(energyMetricFamilies([]));
    expect(strictParse(text)).toHaveLength(2);
    expect(() => strictParse(text.replace("# EOF\n", ""))).toThrow(/rejected/);
  });
});

describe("%energy serve in a notebook", () => {
  it("refuses (it runs until stopped) and says to start it in a terminal; help lists every flag", async () => {
    const reg = new MagicRegistry([energyMagic]);
    await expect(dispatchMagic(reg, "energy serve --port 0", fakeMagicContext({ runTypeScript: async () => undefined }))).rejects.toThrow(/start it in a terminal, e\.g\. greenai energy serve --port 9400/);
    const help = await dispatchMagic(reg, "energy serve --help", fakeMagicContext());
    for (const f of ["--port", "--host", "--interval", "--meter", "--power-model", "--rapl-root"]) expect((help as { text: string }).text).toContain(f);
    expect((help as { text: string }).text).not.toContain("--interval-ms");
  });
});

// ---- greenai energy serve, end to end (the built CLI with a stand-in nvidia-smi on PATH) ----

const BIN = path.join(REPO_ROOT, "kernel/bin/greenai.js");
const built = fs.existsSync(path.join(REPO_ROOT, "kernel/dist/magics/energy-serve.js"));
const e2e = built && hasParser ? describe : describe.skip;

/** A stand-in nvidia-smi: one GPU whose power rises 1 W per row, a row every -lms ms, local timestamps; writes its pid. */
function fakeNvidiaSmiDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "greenai-serve-"));
  const script = path.join(dir, "nvidia-smi");
  fs.writeFileSync(
    script,
    `#!${process.execPath}
const args = process.argv.slice(2);
const ms = Number(args[args.indexOf("-lms") + 1]) || 100;
require("fs").writeFileSync(${JSON.stringify(path.join(dir, "pid"))}, String(process.pid));
const pad = (n, w = 2) => String(n).padStart(w, "0");
let i = 0;
setInterval(() => {
  const d = new Date();
  const ts = d.getFullYear() + "/" + pad(d.getMonth() + 1) + "/" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  process.stdout.write(ts + ", 0, 50, 10, 1000, 2000, 40, [N/A], " + (200 + i++).toFixed(2) + ", 16\\n");
}, ms);
`,
  );
  fs.chmodSync(script, 0o755);
  return dir;
}

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    }).on("error", reject);
  });
}

function startServe(args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; out: () => string; url: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, "energy", "serve", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (out += d));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: string) => {
      out += d;
      const m = /serving OpenMetrics at (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", () => reject(new Error(`greenai energy serve exited before serving:\n${out}`)));
  });
  url.catch(() => undefined);
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => out, url, exit };
}

e2e(`greenai energy serve${built ? "" : " [SKIPPED: kernel/dist is not built; run npm run build]"}${skipNote}`, () => {
  jest.setTimeout(60_000);

  it("serves /metrics on 127.0.0.1 from the nvidia-smi meter; counters never decrease; SIGTERM stops it and its nvidia-smi", async () => {
    const dir = fakeNvidiaSmiDir();
    const s = startServe(["--port", "0", "--interval", "0.1", "--meter", "nvidia-smi"], { ...process.env, PATH: `${dir}${path.delimiter}${process.env.PATH}` });
    try {
      const url = await s.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const energies: number[] = [];
      for (let k = 0; k < 4; k++) {
        await new Promise((r) => setTimeout(r, 300));
        const res = await get(url);
        expect(res.status).toBe(200);
        expect(res.type).toBe(OPENMETRICS_CONTENT_TYPE);
        const fams = strictParse(res.body);
        const energy = fams.find((f) => f.name === "greenai_energy_joules")!;
        const gpu = energy.samples.find((x) => x.labels.device === "gpu0");
        expect(gpu?.labels.source).toBe("nvidia-smi");
        energies.push(gpu!.value);
        const power = fams.find((f) => f.name === "greenai_power_watts")!.samples.find((x) => x.labels.device === "gpu0");
        expect(power!.value).toBeGreaterThanOrEqual(200);
      }
      for (let k = 1; k < energies.length; k++) expect(energies[k]).toBeGreaterThanOrEqual(energies[k - 1]);
      expect(energies[energies.length - 1]).toBeGreaterThan(energies[0]);
      expect((await get(url.replace("/metrics", "/other"))).status).toBe(404);
      s.child.kill("SIGTERM");
      expect(await s.exit).toBe(0);
      expect(s.out()).toMatch(/stopped after .* s and [4-9] scrape\(s\)/);
      expect(s.out()).toMatch(/gpu0 +nvidia-smi/);
      const pid = Number(fs.readFileSync(path.join(dir, "pid"), "utf8"));
      await waitUntil(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, "the stand-in nvidia-smi to end with the server");
    } finally {
      s.child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("Ctrl-C (SIGINT) stops it cleanly too; the estimate is labelled as one", async () => {
    const s = startServe(["--port", "0", "--interval", "0.05", "--meter", "estimate", "--power-model", "10,30"]);
    try {
      const url = await s.url;
      await new Promise((r) => setTimeout(r, 300));
      const fams = strictParse((await get(url)).body);
      expect(fams[0].samples[0].labels).toEqual({ device: "cpu", source: "estimate" });
      expect(fams[0].help).toMatch(/not a measurement/);
      s.child.kill("SIGINT");
      expect(await s.exit).toBe(0);
    } finally {
      s.child.kill("SIGKILL");
    }
  });

  it("says why it cannot listen, and needs --port", async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [BIN, "energy", "serve", "--port", String(port), "--meter", "estimate"], { encoding: "utf8" });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
    } finally {
      blocker.close();
    }
    const r = spawnSync(process.execPath, [BIN, "energy", "serve"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs --port/);
  });
});
