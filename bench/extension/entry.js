// Bench page: the real renderers (extension/lib) mounted in a plain page, timed by bench/extension.bench.js.
import { Widget } from '@lumino/widgets';
import { MIME_TIMESERIES, MIME_TPE } from 'greenai-common';
import { timeseriesRendererFactory, tpeRendererFactory } from '../../extension/lib/mime';
import { loadPlotly } from '../../extension/lib/widgets/plotly';
import { makeTimeseriesPayload, makeTpePayload } from '../../scripts/sample-payloads';

const factories = { [MIME_TPE]: tpeRendererFactory, [MIME_TIMESERIES]: timeseriesRendererFactory };
const payloads = {};
let mounted = null;

const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

function host() {
  const div = document.createElement('div');
  div.style.width = '1200px';
  document.body.replaceChildren(div);
  return div;
}

window.bench = {
  /** Builds a payload in the page (not timed); returns its sample count. */
  make(name, kind, params) {
    payloads[name] = kind === 'tpe' ? makeTpePayload(params) : makeTimeseriesPayload(params);
    const p = payloads[name];
    return kind === 'tpe' ? p.trials.reduce((a, t) => a + t.epochs_run, 0) : p.series.reduce((a, s) => a + s.t_ms.length, 0);
  },
  /** ms to load the plotly.js chunk (first call only). */
  async loadPlotly() {
    const t0 = performance.now();
    await loadPlotly();
    return performance.now() - t0;
  },
  /** ms from renderModel to the next painted frame, with the real renderer. */
  async render(name, mime) {
    if (mounted) mounted.dispose();
    const r = factories[mime].createRenderer({ mimeType: mime, sanitizer: { sanitize: (s) => s }, resolver: null, linkHandler: null, latexTypesetter: null });
    Widget.attach(r, host());
    mounted = r;
    const model = { data: { [mime]: payloads[name] }, metadata: {}, trusted: true, setData() {} };
    const t0 = performance.now();
    await r.renderModel(model);
    await frame();
    const ms = performance.now() - t0;
    const traces = r.node.querySelectorAll('.scatterlayer .trace').length + r.node.querySelectorAll('.gl-container canvas').length;
    return { ms, traces, status: r.status.textContent };
  },
  /** ms to move the TPE decision slider to epoch T and redraw. */
  async tpeSlider(T) {
    const slider = mounted.node.querySelector('input.greenai-tpe-epoch');
    const t0 = performance.now();
    slider.value = String(T);
    slider.dispatchEvent(new Event('input'));
    await mounted.requestDraw();
    await frame();
    return performance.now() - t0;
  },
  /** Baseline: plain Plotly.react of the raw data, no decimation, one trace per series / trials joined. */
  async baseline(name, kind) {
    const Plotly = await loadPlotly();
    if (mounted) mounted.dispose();
    mounted = null;
    const div = host();
    const p = payloads[name];
    let data;
    if (kind === 'tpe') {
      const x = [];
      const y = [];
      for (const t of p.trials) {
        let e = 0;
        t.val_loss.forEach((v, i) => {
          e += t.epoch_energy[i];
          x.push(e);
          y.push(v);
        });
        x.push(null);
        y.push(null);
      }
      data = [{ type: 'scatter', mode: 'lines', x, y }];
    } else {
      data = p.series.map((s) => ({ type: 'scattergl', mode: 'lines', x: s.t_ms, y: s.values }));
    }
    const t0 = performance.now();
    await Plotly.react(div, data, { height: 440, xaxis: kind === 'tpe' ? {} : { type: 'date' } }, { responsive: true });
    await frame();
    const ms = performance.now() - t0;
    Plotly.purge(div);
    return { ms };
  }
};
window.benchReady = true;
