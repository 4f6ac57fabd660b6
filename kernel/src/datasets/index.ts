/** MIT Supercloud data into Apache Arrow: loaders, index, joins, energy, DuckDB, sample, fetch. */
export {
  CsvTokenizer,
  FIELD_ESCAPED,
  FIELD_QUOTED,
  fieldText,
  tokenizeAll,
  unescapeField,
  type CsvRecord as CsvTokenRecord,
  type CsvSink,
  type CsvSyntaxIssue,
  type CsvTokenizerOptions,
} from "./csv";
export { isNullField, parseEpochMs, parseFloat64, parseInt64, parseUint64 } from "./columns";
export {
  CsvFormatError,
  TableReader,
  describeSchema,
  formatIssue,
  tableFromBatches,
  tableFromCsvText,
  type ReadCounts,
  type ReadIssue,
  type ReadMode,
  type ReadReport,
  type ReaderOptions,
} from "./reader";
export {
  CPU_SPEC,
  CPU_SUMMARY_SPEC,
  DEFAULT_TRES,
  GPU_SPEC,
  GPU_TRES_IDS,
  INFINITE,
  JOB_REQUEUE_FLAG,
  JOB_STATES,
  LABELS_SPEC,
  LABEL_STATS_SPEC,
  MEM_PER_CPU,
  NODE_SPEC,
  NO_VAL,
  NO_VAL64,
  SLURM_SPEC,
  TABLE_SPECS,
  type SupercloudTableName,
  type TableSpec,
} from "./schemas";
export { decodeMemReq, parseNodelist, parseTres, parseTresMapping, type TresMapping } from "./tres";
export { csvBatchesFromFile, csvTableFromFile, type CsvFileRead, type FileReadOptions } from "./read";
export { buildIndex, loadIndex, parseSeriesPath, type DatasetIndex, type IndexLoad, type JobFiles, type SeriesPath } from "./file-index";
export {
  SCHEDULER_LOG_NAMES,
  SupercloudDataset,
  emptySchema,
  energyOfGpuTable,
  openSupercloud,
  type DatasetQuery,
  type JobView,
  type LoadReport,
} from "./supercloud";
// Named apart from kernel/src/energy's exports, which the same index re-exports.
export {
  gpuEnergies,
  jobEnergy,
  type EnergyOptions as GpuEnergyOptions,
  type GpuEnergy as JobGpuEnergy,
  type JobEnergy,
} from "./energy";
export { jsonCell, numberColumn, tableRowsJson, textColumn, timeseriesPayload } from "./series";
export { SupercloudSql, tableFromDuckDB } from "./duckdb";
export { loadSupercloudTable, type LoadEngine } from "./load";
export { Rng as SampleRng, WORKLOADS, generateSupercloudSample, slurmLogChunks, type SampleFile, type SampleOptions, type SampleSummary } from "./generate";
export { writeArrowFile, writeSlurmLog, writeSupercloudSample } from "./write";
export { findDataset, parseManifest, type ExtractStep, type Manifest, type ManifestDataset, type ManifestFile, type PreparedFile } from "./manifest";
export { fetchPreparedCopy, resolveDataset, type DatasetCopy, type DatasetFile, type DatasetLocation, type FetchCopyOptions, type ResolveOptions } from "./data-path";
export { defaultManifestPath, fetchDataset, readManifest, type FetchOptions, type FetchResult, type FetchedFile } from "./fetch";
