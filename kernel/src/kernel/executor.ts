/**
 * Wraps tslab's Executor: cells without magics go to tslab untouched; cells with magics
 * run segment by segment, in order, stopping at the first failure. Knows nothing of ZMQ.
 */
import * as fs from "fs";
import * as path from "path";
import type { CompletionInfo } from "tslab/dist/converter";
import type { Executor } from "tslab/dist/executor";
import type { MimeBundle } from "../display/bundle";
import { escapeHtml } from "../display/bundle";
import { InterruptedError } from "../errors";
import { dispatchMagic, magicHelp, resolveCommand, subName, type MagicRegistry } from "../magics/dispatch";
import { formatUsage, GLOBAL_FLAGS, tokenize } from "../magics/options";
import type { MagicContext } from "../magics/types";
import { cellErrorFrom, ErrorCollector, type CellError } from "./errors";
import { expandBoundNames } from "./expand";
import { HeapTrimmer } from "./heap";
import { hasMagic, isMagicLine, lineAt, maskMagicLines, splitCell } from "./segments";

/** A TypeScript body run by a cell magic failed; carries that cell's error. */
class CellFailed extends Error {
  constructor(readonly cellError: CellError | undefined) {
    super(cellError ? `${cellError.ename}: ${cellError.evalue}` : "the cell failed");
  }
}

/** How long an interrupted magic gets to stop by itself (and say what it had done). */
const INTERRUPT_GRACE_MS = 1000;

/** Global slot through which a magic's value reaches the `let name = …` binding cell. */
const SLOT = "__greenai_binding__";

export interface MagicExecutorOptions {
  /** Sends a bundle to the cell's output (display_data / update_display_data). */
  display(bundle: MimeBundle, displayId?: string): void;
  /** Absolute path of the library's .d.ts entry, for typed `--as` bindings. */
  libTypesPath?: string;
  /**
   * The library notebooks see under `name` (greenai). It is declared the first time code mentions
   * the name, not at start: a declared library is part of every later cell's TypeScript program
   * (its whole .d.ts graph), which cost ~1.4 ms of compile and ~1 ms of GC per `1+1` (issue 14).
   */
  library?: { name: string; typesPath: string; load(): unknown };
  /** Minimum milliseconds between progress updates. */
  progressIntervalMs?: number;
  /** Collects the compiler's per-cell garbage after cells (default: a HeapTrimmer; see heap.ts). */
  heap?: { beforeCell(): void; afterCell(): void };
}

export class MagicExecutor implements Executor {
  /** Error of the last failed execute(), for the execute_reply and the iopub error. */
  lastError?: CellError;
  private currentAbort?: AbortController;
  private rejectInterrupt?: (e: Error) => void;
  private progressSeq = 0;
  /** Names bound by `--as`, in binding order: what `$name` in a magic line may refer to. */
  private readonly boundNames = new Set<string>();
  private readonly heap: { beforeCell(): void; afterCell(): void };
  private libraryDeclared = false;

  constructor(
    readonly base: Executor,
    readonly errors: ErrorCollector,
    readonly registry: MagicRegistry,
    private readonly opts: MagicExecutorOptions,
  ) {
    this.heap = opts.heap ?? new HeapTrimmer();
  }

  get locals(): { [key: string]: any } {
    return this.base.locals;
  }

  async execute(src: string): Promise<boolean> {
    this.heap.beforeCell();
    try {
      return await this.executeSegments(src);
    } finally {
      this.heap.afterCell();
    }
  }

  private async executeSegments(src: string): Promise<boolean> {
    this.lastError = undefined;
    this.errors.take();
    if (!hasMagic(src)) return this.runTs(src, 0);
    for (const seg of splitCell(src)) {
      const ok =
        seg.kind === "ts"
          ? await this.runTs(seg.code, seg.line)
          : await this.runMagic(seg.text, seg.kind === "cell" ? { text: seg.body, line: seg.bodyLine } : undefined, seg.kind === "cell" ? "%%" : "%");
      if (!ok) return false;
    }
    return true;
  }

  /**
   * Declares and binds the library if `code` mentions it and it is not declared yet. tslab's
   * execute of a declaration has no await, so the declaration is in place when this returns
   * (complete and inspect rely on that); the value is bound once it resolves.
   */
  private declareLibraryFor(code: string): Promise<void> {
    const lib = this.opts.library;
    if (!lib || this.libraryDeclared || !new RegExp(`\\b${lib.name}\\b`).test(code)) return Promise.resolve();
    this.libraryDeclared = true;
    const lineOffset = this.errors.lineOffset;
    // Declare first, then bind: the declare cell itself emits `exports.<name> = void 0`.
    return this.base.execute(`declare const ${lib.name}: typeof import(${JSON.stringify(lib.typesPath)});`).then((ok) => {
      this.base.locals[lib.name] = lib.load();
      const err = this.errors.take();
      this.errors.lineOffset = lineOffset;
      if (!ok) console.error(`greenai: the library's types did not load (${err?.evalue}); \`${lib.name}\` is untyped`);
    });
  }

  private async runTs(code: string, lineOffset: number): Promise<boolean> {
    await this.declareLibraryFor(code);
    this.errors.lineOffset = lineOffset;
    const ok = await this.base.execute(code);
    this.errors.lineOffset = 0;
    if (!ok) this.lastError = this.errors.take() ?? { ename: "Error", evalue: "execution failed", traceback: [] };
    return ok;
  }

  private async runMagic(text: string, body: { text: string; line: number } | undefined, prefix: string): Promise<boolean> {
    const controller = new AbortController();
    this.currentAbort = controller;
    const interrupted = new Promise<never>((_, reject) => {
      this.rejectInterrupt = reject;
    });
    interrupted.catch(() => undefined);
    const { ctx, finishProgress } = this.magicContext(controller.signal, body, text);
    const t0 = Date.now();
    let outcomeWord = "failed";
    try {
      if (text.includes("$")) text = this.expandNames(text);
      const outcome = await Promise.race([dispatchMagic(this.registry, text, ctx, prefix === "%%" ? "%" : prefix), interrupted]);
      outcomeWord = "done";
      if (outcome.kind === "help") {
        console.log(outcome.text);
        return true;
      }
      const { result } = outcome;
      if (outcome.json) {
        this.opts.display({ data: { "application/json": result.value as object, "text/plain": JSON.stringify(result.value, null, 2) }, metadata: {} });
      } else {
        this.opts.display(result.bundle ?? { data: { "text/plain": result.text }, metadata: {} });
      }
      if (controller.signal.aborted) {
        // It finished as the interrupt came: its result stands, but the cell still fails, so queued cells are aborted.
        throw new InterruptedError("interrupted by the user as the command finished; its result is shown above");
      }
      if (outcome.bindAs) {
        if (!(await this.bind(outcome.bindAs, result.value, result.typeName))) return false;
        this.boundNames.add(outcome.bindAs);
      }
      return true;
    } catch (e) {
      this.lastError = e instanceof CellFailed && e.cellError ? e.cellError : cellErrorFrom(e);
      if (this.lastError.ename === "InterruptedError") outcomeWord = "interrupted";
      return false;
    } finally {
      // A progress line left in the notebook says how the work ended, not where it was.
      finishProgress(`${outcomeWord} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      this.currentAbort = undefined;
      this.rejectInterrupt = undefined;
    }
  }

  private magicContext(signal: AbortSignal, body: { text: string; line: number } | undefined, text: string): { ctx: MagicContext; finishProgress: (message: string) => void } {
    const progressId = `greenai-progress-${process.pid}-${++this.progressSeq}`;
    const interval = this.opts.progressIntervalMs ?? 150;
    let last = 0;
    let shown = false;
    const label = text.trim().split(/\s+/).slice(0, 2).join(" ");
    const finishProgress = (message: string) => {
      if (shown) this.opts.display(progressBundle(label, message), progressId);
    };
    const ctx: MagicContext = {
      display: (bundle, displayId) => this.opts.display(bundle, displayId),
      log: (line) => console.log(line),
      progress: (message, fraction) => {
        const now = Date.now();
        if (now - last < interval && fraction !== 1) return;
        last = now;
        shown = true;
        this.opts.display(progressBundle(label, message, fraction), progressId);
      },
      signal,
      cwd: process.cwd(),
      body: body?.text,
      runTypeScript: async (code) => {
        // Diagnostics count lines from the cell's top: the body starts below the (continued) header.
        if (!(await this.runTs(code, body?.line ?? 1))) throw new CellFailed(this.lastError);
      },
    };
    return { ctx, finishProgress };
  }

  /** Names bound by `--as` that the notebook still has (a kernel reset drops them all). */
  private liveBoundNames(): string[] {
    return [...this.boundNames].filter((n) => n in this.locals);
  }

  /** `$name` in a magic line: the current value of a name bound by `--as` (TypeScript may have changed it since). */
  private expandNames(text: string): string {
    return expandBoundNames(text, new Map(this.liveBoundNames().map((n) => [n, this.locals[n]])));
  }

  /** Declares `let name: T` in the notebook, initialised from the magic's value. */
  private async bind(name: string, value: unknown, typeName: string | undefined): Promise<boolean> {
    (globalThis as any)[SLOT] = value;
    const type = typeName && this.opts.libTypesPath ? `import(${JSON.stringify(this.opts.libTypesPath)}).${typeName}` : "any";
    try {
      return await this.runTs(`let ${name}: ${type} = (globalThis as any)[${JSON.stringify(SLOT)}];`, 0);
    } finally {
      delete (globalThis as any)[SLOT];
    }
  }

  /**
   * Aborts the running magic's signal. Long work stops at its next checkpoint with an
   * InterruptedError that says what was done; a magic that has not stopped after
   * INTERRUPT_GRACE_MS is given up on, so the cell always ends.
   */
  interrupt(): void {
    this.currentAbort?.abort();
    const reject = this.rejectInterrupt;
    if (reject) {
      const timer = setTimeout(() => reject(new InterruptedError(`interrupted by the user; the command did not stop within ${INTERRUPT_GRACE_MS / 1000} s and may still be running`)), INTERRUPT_GRACE_MS);
      timer.unref();
    }
    this.base.interrupt();
  }

  /** TypeScript inspection with magic lines blanked (offsets unchanged). */
  inspect(src: string, position: number) {
    void this.declareLibraryFor(src);
    return this.base.inspect(this.maskForTypeScript(src), position);
  }

  complete(src: string, position: number): CompletionInfo {
    const line = lineAt(src, position);
    const cellMagicHeader = /^\s*%%/.test(line.text);
    if (isMagicLine(line.text) && (cellMagicHeader || !this.typeScriptBody(src))) {
      return this.completeMagic(line.text, position - line.start, line.start);
    }
    void this.declareLibraryFor(src);
    return this.base.complete(this.maskForTypeScript(src), position);
  }

  /** True if the cell is a `%%` magic whose body is TypeScript. */
  private typeScriptBody(src: string): boolean {
    const seg = splitCell(src)[0];
    if (seg?.kind !== "cell") return false;
    try {
      return resolveCommand(this.registry, safeTokenize(seg.text)).command?.spec.bodyLanguage === "typescript";
    } catch {
      return false;
    }
  }

  /** Blanks magic lines; for a TypeScript-bodied cell magic only its header line. */
  private maskForTypeScript(src: string): string {
    if (!this.typeScriptBody(src)) return maskMagicLines(src);
    const nl = src.indexOf("\n", src.search(/%%/));
    return nl < 0 ? " ".repeat(src.length) : src.slice(0, nl).replace(/[^\n]/g, " ") + src.slice(nl);
  }

  /** Help text when the cursor is on a magic line; undefined elsewhere. */
  magicHelpAt(src: string, position: number): string | undefined {
    const line = lineAt(src, position);
    if (!isMagicLine(line.text)) return undefined;
    const words = safeTokenize(line.text.trim().replace(/^%%?/, "").replace(/\?+$/, ""));
    try {
      const r = resolveCommand(this.registry, words);
      return r.command ? formatUsage(r.command.spec) : magicHelp(r.magic);
    } catch (e) {
      return cellErrorFrom(e).evalue;
    }
  }

  private completeMagic(text: string, col: number, lineStart: number): CompletionInfo {
    const before = text.slice(0, col);
    const wordStart = Math.max(before.lastIndexOf(" "), before.lastIndexOf("\t")) + 1;
    const word = before.slice(wordStart);
    const words = before.trim().replace(/^%%?/, "").split(/\s+/);
    const start = lineStart + wordStart;
    const done = (candidates: string[], offset = 0): CompletionInfo => ({ start: start + offset, end: lineStart + col, candidates: candidates.sort() });
    if (words.length === 1 && /^\s*%%?/.test(before)) {
      const prefix = word.replace(/^%%?/, "");
      const skip = word.length - prefix.length;
      return done(this.registry.list().map((m) => m.name).filter((n) => n.startsWith(prefix)), skip);
    }
    const magic = this.registry.get(words[0]);
    if (!magic) return done([]);
    if (word.startsWith("$")) {
      const names = this.liveBoundNames().map((n) => `$${n}`);
      return done(names.filter((n) => n.startsWith(word)));
    }
    const plain = magic.commands.find((c) => c.spec.name === magic.name);
    if (!plain && words.length === 2 && !word.startsWith("-")) {
      return done(magic.commands.map((c) => subName(magic, c)).filter((s) => s.startsWith(word)));
    }
    const command = plain ?? magic.commands.find((c) => c.spec.name === `${magic.name} ${words[1]}`);
    if (!command) return done([]);
    if (word.startsWith("-")) {
      const flags = [...command.spec.flags, ...GLOBAL_FLAGS].map((f) => `--${f.name}`);
      return done(flags.filter((f) => f.startsWith(word)));
    }
    const prev = words.length >= 2 ? words[words.length - 2] : "";
    const flag = command.spec.flags.find((f) => `--${f.name}` === prev);
    if (flag?.choices) return done(flag.choices.filter((c) => c.startsWith(word)));
    if (flag && flag.type === "string") return done(completePath(word));
    return done([]);
  }

  reset(): void {
    this.boundNames.clear();
    this.libraryDeclared = false; // tslab's reset drops every declaration
    this.base.reset();
  }

  close(): void {
    this.base.close();
  }
}

function safeTokenize(s: string): string[] {
  try {
    return tokenize(s);
  } catch {
    return s.split(/\s+/);
  }
}

/** File-name candidates for a partial path, relative to the kernel's folder. */
function completePath(word: string): string[] {
  const dir = word.endsWith("/") ? word : path.dirname(word);
  const base = word.endsWith("/") ? "" : path.basename(word);
  const shownDir = word.includes("/") ? (word.endsWith("/") ? word : word.slice(0, word.lastIndexOf("/") + 1)) : "";
  try {
    return fs
      .readdirSync(path.resolve(process.cwd(), dir || "."), { withFileTypes: true })
      .filter((d) => d.name.startsWith(base) && !d.name.startsWith("."))
      .slice(0, 200)
      .map((d) => shownDir + d.name + (d.isDirectory() ? "/" : ""));
  } catch {
    return [];
  }
}

/** A one-line progress display: text for any frontend, a small HTML bar where HTML renders. */
export function progressBundle(label: string, message: string, fraction?: number): MimeBundle {
  const pct = fraction === undefined ? undefined : Math.max(0, Math.min(1, fraction)) * 100;
  const text = `%${label}: ${message}${pct === undefined ? "" : ` (${pct.toFixed(0)}%)`}`;
  const bar =
    pct === undefined
      ? ""
      : `<progress max="100" value="${pct.toFixed(1)}" style="width: 12em; vertical-align: middle"></progress> `;
  return { data: { "text/html": `<div class="greenai-progress">${bar}${escapeHtml(text)}</div>`, "text/plain": text }, metadata: {} };
}
