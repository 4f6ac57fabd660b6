/**
 * greenai-kernel: the library behind the magics. Notebooks see it as `greenai`;
 * scripts import it from "greenai-kernel".
 */
export * from "./errors";
export * from "./display/bundle";
export * from "./magics/options";
export type { Magic, MagicCommand, MagicContext, MagicResult } from "./magics/types";
export type { MagicListing } from "./magics/builtin";
export { MagicRegistry, dispatchMagic } from "./magics/dispatch";
export { createRegistry } from "./magics/registry";
export * from "./ribbon";
export type { RibbonCompareMethod, RibbonCompareResult, RibbonGridResult, RibbonHomogeneousPoint, RibbonPoolPoint, RibbonSearchResult, RibbonSimulateResult, RibbonTraceEntry } from "./magics/ribbon";
