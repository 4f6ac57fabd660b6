/// <reference types="node" />
// Kept in the .d.ts: notebooks get Node's types through the library even where tslab finds none.
/**
 * greenai-kernel: the library behind the magics. Notebooks see it as `greenai`;
 * scripts import it from "greenai-kernel".
 */
export * from "./errors";
export * from "./display/bundle";
export * from "./magics/options";
export type { Magic, MagicCommand, MagicContext, MagicResult } from "./magics/types";
export type { MagicListing, TimeResult } from "./magics/builtin";
export { MagicRegistry, dispatchMagic } from "./magics/dispatch";
export { createRegistry } from "./magics/registry";
export { display, setDisplaySink } from "./display/display";
export * from "./tpe";
export type { TpeReplayResult, TpeScoreResult, TpeScoreRow, TpeScoreEnergy, TpeSweepResult, TpeRunProblem } from "./magics/tpe";
export * from "./energy";
export * from "./trials";
export type { EnergyMeasureResult, PowercapAdvice } from "./magics/energy";
export type { EnergyPlan, GpuComparison } from "./magics/energy-plan";
export type { EnergyMeterState } from "./magics/energy-meter";
export * from "./energy/carbon";
export { regionIntensity, sessionIntensity, setSessionIntensity, shippedIntensityTable } from "./energy/carbon-table";
export type { EnergyCarbonResult, EnergyCarbonTable } from "./magics/energy-carbon";
export type { EnergyServeResult } from "./magics/energy-serve";
export * from "./energy/openmetrics";
export type { TpeRunResult } from "./magics/tpe-run";
export * from "./datasets";
export type { DatasetColumn, DatasetLoadResult, DatasetJobsResult, DatasetJobSummary, DatasetJobResult, DatasetSqlResult, DatasetIndexResult, DatasetGenerateResult, DataListResult, DataFetchResult } from "./magics/dataset";
export * from "./ribbon";
export type { RibbonCompareMethod, RibbonCompareResult, RibbonGridResult, RibbonHomogeneousPoint, RibbonPoolPoint, RibbonSearchResult, RibbonSimulateResult, RibbonTraceEntry } from "./magics/ribbon";
