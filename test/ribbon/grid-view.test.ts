/**
 * `%ribbon grid` output: a whole grid is fully evaluated, and its text, HTML and Plotly fallback
 * say so with greenai-common's picks (the words the extension's figure uses), which agree with
 * the kernel's own cheapest feasible pool and homogeneous pools.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePayload, type RibbonPayload } from "../../common/src/payloads";
import { ribbonGridHeadline, ribbonGridPicks, ribbonHomogeneousLine } from "../../common/src/ribbon-picks";
import { dispatchMagic, MagicRegistry } from "../../kernel/src/magics/dispatch";
import { ribbonMagic, type RibbonGridResult } from "../../kernel/src/magics/ribbon";
import { fakeMagicContext } from "../helpers/magic-context";
import { preparedDataDir, preparedDataUnavailable } from "../helpers/prepared-data";

const registry = new MagicRegistry([ribbonMagic]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ribbon-grid-view-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The project's own sample data folder (model "toy", 9 × 7 × 5 − 1 = 314 pools). */
const TOY = path.resolve(__dirname, "..", "..", "data", "samples", "ribbon");

async function grid(line: string) {
  const out = await dispatchMagic(registry, line, fakeMagicContext({ cwd: tmp }));
  if (out.kind !== "result") throw new Error("expected a result");
  const data = out.result.bundle?.data ?? {};
  const parsed = parsePayload("ribbon", data["application/vnd.greenai.ribbon+json"]);
  if (!parsed.ok) throw new Error(parsed.error);
  return { value: out.result.value as RibbonGridResult, text: out.result.text, html: String(data["text/html"]), plotly: data["application/vnd.plotly.v1+json"] as { data: { name: string; texttemplate?: string; x: number[] }[]; layout: { title: { text: string } } }, payload: parsed.value as RibbonPayload };
}

describe("%ribbon grid output", () => {
  let g: Awaited<ReturnType<typeof grid>>;
  beforeAll(async () => {
    g = await grid(`ribbon grid --data ${TOY} --model toy --queries 2000 --out toy.json`);
  });

  it("says every pool was evaluated, and how many are feasible, in the headline the figure shows", () => {
    const picks = ribbonGridPicks(g.payload);
    const headline = ribbonGridHeadline(picks);
    expect(g.value.pools).toBe(314);
    expect(headline).toMatch(/^grid · all 314 pools evaluated · \d+ feasible at 99% · cheapest feasible \d+,\d+,\d+ at \$[\d.]+\/h$/);
    expect(headline).toContain(` ${g.value.feasible_pools} feasible at 99%`);
    expect(g.text.split("\n")[0]).toBe(headline);
    expect(g.text).not.toMatch(/\b0 pools evaluated|no evaluated pool/);
    expect(g.html).toContain(headline);
  });

  it("picks what the kernel picked: the cheapest feasible pool and the homogeneous pools", () => {
    const picks = ribbonGridPicks(g.payload);
    expect(g.value.best).not.toBeNull();
    expect(picks.cheapest?.pool).toEqual(g.value.best?.pool);
    expect(picks.cheapest?.rate).toBe(g.value.best?.rate);
    expect(picks.feasible).toHaveLength(g.value.feasible_pools);
    expect(picks.homogeneous.map((h) => ({ instance_type: h.instance_type, ...h.point }))).toEqual(g.payload.homogeneous);
    const hom = ribbonHomogeneousLine(picks);
    expect(hom).not.toBeNull();
    expect(g.text.split("\n")[1]).toBe(hom);
  });

  it("lists the picks in the HTML and marks them in the Plotly fallback", () => {
    const picks = ribbonGridPicks(g.payload);
    expect(g.html).toContain("<td>cheapest feasible</td>");
    expect(g.html).toContain("<td>Pareto front</td>");
    expect(g.html.match(/<td>Pareto front<\/td>/g)).toHaveLength(Math.min(picks.front.length, 100 - 1 - picks.homogeneous.length));
    const names = g.plotly.data.map((t) => t.name);
    expect(names).toEqual([`infeasible (${314 - picks.feasible.length})`, `feasible (${picks.feasible.length})`, "Pareto front", "best homogeneous", "cheapest feasible"]);
    const star = g.plotly.data[4];
    expect(star.texttemplate).toBe(`cheapest feasible ${picks.cheapest?.pool.join(",")}`);
    expect(star.x).toEqual([picks.cheapest?.price_per_hour]);
    expect(g.plotly.layout.title.text).toContain(ribbonGridHeadline(picks));
  });

  it("says when no pool is feasible", async () => {
    const none = await grid(`ribbon grid --data ${TOY} --model toy --queries 2000 --target 100 --qos 1 --out toy-none.json`);
    expect(none.value.best).toBeNull();
    expect(none.text.split("\n")[0]).toMatch(/^grid · all 314 pools evaluated · 0 feasible at 100% · the best rate is [\d.]+% at \d+,\d+,\d+$/);
    expect(none.plotly.data.map((t) => t.name)).not.toContain("cheapest feasible");
  });
});

const why = preparedDataUnavailable();
(why ? describe.skip : describe)(`%ribbon grid on candle${why ? ` [SKIPPED: ${why}]` : ""}`, () => {
  it("reports all 1,088 pools evaluated and the kernel's optimum", async () => {
    const data = path.join(preparedDataDir(), "sc21-ribbon");
    const c = await grid(`ribbon grid --data ${data} --model candle --queries 3000 --out candle.json`);
    const picks = ribbonGridPicks(c.payload);
    expect(c.text.split("\n")[0]).toMatch(/^grid · all 1,088 pools evaluated · [\d,]+ feasible at 99% · cheapest feasible /);
    expect(picks.cheapest?.pool).toEqual(c.value.best?.pool);
    expect(picks.feasible.length).toBe(c.value.feasible_pools);
  });
});
