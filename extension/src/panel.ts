/** The side panel that shows a NotebookSummary, with links that jump to each output. DOM only, no JupyterLab imports. */
import { Widget } from "@lumino/widgets";
import { dollarsPerHour, fmt } from "./figures/format";
import { energyLine, type NotebookSummary, type SummaryItem } from "./summary";

/** Jumps to output `output` of cell `cell` in the notebook the summary came from. */
export type JumpTo = (cell: number, output: number) => void;

export class SummaryPanel extends Widget {
  private jump: JumpTo = () => undefined;

  constructor() {
    super();
    this.addClass("greenai-summary");
    this.title.caption = "greenai: results of the active notebook";
    this.showSummary(null, null);
  }

  /** Shows a summary for the named notebook; null clears the panel. */
  showSummary(notebookName: string | null, s: NotebookSummary | null, jump?: JumpTo): void {
    if (jump) this.jump = jump;
    const n = this.node;
    n.replaceChildren();
    const h = el("h2", "greenai-summary-title", notebookName ? `greenai · ${notebookName}` : "greenai");
    n.append(h);
    if (!s) {
      n.append(el("p", "greenai-summary-empty", "Open a notebook to see its greenai results here."));
      return;
    }
    if (s.items.length === 0) {
      n.append(el("p", "greenai-summary-empty", "No greenai results in this notebook yet: run a %tpe, %ribbon or %dataset cell."));
      return;
    }
    if (s.energy.length > 0 || s.measured.length > 0) {
      n.append(el("h3", "", "Energy"));
      const ul = el("ul", "greenai-summary-energy");
      for (const e of s.energy) ul.append(el("li", "", energyLine(e)));
      for (const m of s.measured) {
        const li = el("li", "greenai-summary-measured", `${m.title}: ${m.label} ${fmt(m.value, 4)} (measured) `);
        li.append(this.link(m.cell, m.output));
        ul.append(li);
      }
      n.append(ul);
    }
    if (s.pools.length > 0) {
      n.append(el("h3", "", "Pools chosen"));
      const ul = el("ul", "greenai-summary-pools");
      for (const p of s.pools) {
        const li = el("li", "", `${p.model}: ${p.pool} at ${dollarsPerHour(p.pricePerHour)} (rate ${fmt(p.rate, 4)}%) `);
        li.append(this.link(p.cell, p.output));
        ul.append(li);
      }
      n.append(ul);
    }
    if (s.datasets.length > 0) {
      n.append(el("h3", "", "Data sets loaded"));
      const ul = el("ul", "greenai-summary-datasets");
      for (const d of s.datasets) {
        const li = el("li", "", `${d.title}: ${d.detail} `);
        li.append(this.link(d.cell, d.output));
        ul.append(li);
      }
      n.append(ul);
    }
    n.append(el("h3", "", `All results (${s.items.length})`));
    const ol = el("ol", "greenai-summary-items");
    for (const it of s.items) ol.append(this.item(it));
    n.append(ol);
  }

  private item(it: SummaryItem): HTMLElement {
    const li = el("li", `greenai-summary-item greenai-summary-${it.kind}`);
    li.dataset.kind = it.kind;
    const head = el("div", "greenai-summary-head");
    head.append(el("strong", "", it.title), document.createTextNode(" "), this.link(it.cell, it.output));
    li.append(head);
    for (const line of it.lines) li.append(el("div", "greenai-summary-line", line));
    return li;
  }

  private link(cell: number, output: number): HTMLAnchorElement {
    const a = document.createElement("a");
    a.className = "greenai-summary-link";
    a.href = "#";
    a.textContent = `cell ${cell + 1}`;
    a.title = "Scroll to this output";
    a.dataset.cell = String(cell);
    a.dataset.output = String(output);
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      this.jump(cell, output);
    });
    return a;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
