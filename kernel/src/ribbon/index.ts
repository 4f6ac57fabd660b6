/**
 * RIBBON: the cheapest pool of heterogeneous cloud instances that serves a model within its QoS
 * target, found by Bayesian optimisation over a discrete-event serving simulator (or a lookup
 * table, or real deployments). Pure algorithms plus the readers of the artifact's files.
 * Generic helpers (PRNG, JSON locator, normal CDF, Cholesky) stay internal to their modules.
 */
export { PoolGrid, checkPool, formatPool, poolKey, poolPrice, round2, round4, type Pool, type PoolSpace } from "./catalogue";
export {
  MissingProfileError,
  queryTrace,
  serviceTable,
  type LatencyProfile,
  type QueryTrace,
  type ServiceTable,
  type SizeMix,
  type Workload,
} from "./workload";
export * from "./simulator";
export { GaussianProcess, faithfulGpOptions, type GpHyper, type GpOptions } from "./gp";
export { Pruner, type PruneRule } from "./prune";
export { CapacityClassifier, capacityPerInstance, cheapestLikelyFeasible, DEFAULT_CAPACITY_PRIOR, type CapacityPrior } from "./capacity";
export * from "./evaluators";
export { NoFeasiblePoolError, countMonotonicityViolations, monotonicityFlips, requireFeasible, type EvaluatedPool, type PoolSearchResult, type PoolSearchStop } from "./session";
export {
  IMPROVED_ACQUISITIONS,
  RIBBON_MODES,
  ribbonObjective,
  ribbonSearch,
  type ImprovedAcquisition,
  type MonotonicityViolation,
  type RibbonSearchResult as RibbonSearchOutcome,
  type SearchAssumptions,
  type RibbonMode,
  type RibbonSearchOptions,
} from "./search";
export * from "./baselines";
export { RIBBON_DEFAULT_QUERIES, type RibbonProblem, type RibbonProblemOverrides } from "./problem";
export {
  instancePricesFromCsv,
  latencyListFromFile,
  latencyProfileFromDir,
  lookupTableFromFile,
  ribbonConfigFromFile,
  ribbonModelsInDir,
  ribbonPaperSavingsFromDir,
  ribbonProblemFromDir,
  writeLookupTable,
  type RibbonModelConfig,
} from "./read";
export { CommandEvaluator, type CommandEvaluatorOptions } from "./read-command";
export { isKairosDir, kairosProblemFromDir } from "./read-kairos";
export { COMPARE_METHODS, compareOptimisers, type CompareMethod, type CompareMethodSummary, type CompareOptions, type OptimiserComparison } from "./compare";
export { ribbonPayload, type RibbonPayloadParts } from "./payload";
