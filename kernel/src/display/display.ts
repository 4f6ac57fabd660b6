/**
 * `greenai.display(bundle)` in notebooks. The library never imports tslab: the kernel
 * installs the sink at start (see kernel/io.ts); outside a kernel, display throws.
 */
import { GreenaiError } from "../errors";
import type { MimeBundle } from "./bundle";

export type DisplaySink = (bundle: MimeBundle, displayId?: string) => void;

let sink: DisplaySink | undefined;

/** Installs where display() sends bundles; the kernel calls this once. */
export function setDisplaySink(s: DisplaySink | undefined): void {
  sink = s;
}

/**
 * Shows a MIME bundle (or plain text) in the current cell. A second call with the same
 * displayId replaces the earlier output in place.
 */
export function display(bundle: MimeBundle | string, displayId?: string): void {
  if (!sink) throw new GreenaiError("display() needs the greenai kernel: run it in a notebook with the TypeScript (greenai) kernel");
  sink(typeof bundle === "string" ? { data: { "text/plain": bundle }, metadata: {} } : bundle, displayId);
}
