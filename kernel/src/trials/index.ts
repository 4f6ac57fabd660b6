/** Live trials: records, schedules, backends (local, Slurm, function), the runner and its report. */
export { TRIAL_ENV, trialEnv } from "./backend";
export type { OwnedSeries, RecordedAttempt, RunningTrial, TrialBackend, TrialCallbacks, TrialExit, TrialFunction, TrialHandle, TrialLaunch, TrialPowerCap } from "./backend";
export { FunctionBackend } from "./function-backend";
export { LocalBackend } from "./local";
export { EpochTracker, parseTrialLine, type EpochResult, type TrialRecord } from "./records";
export { buildRunReport, projectionPerEpochJ, trialOutcome, type TpeRunReport, type TrialOutcome, type TrialSummary } from "./report";
export { RunFolder, RUN_FILES, type RunFolderSpec } from "./run-folder";
export type { PowerEvent, RunEvent, TrialStatus } from "./run-state";
export { policyOf, runTrials, type RunOutcome, type RunPowerLimit, type RunTrialsOptions, type RunUpdate, type TrialSpec } from "./runner";
export { powerLine, powerSummary, readPowerRecords, type PowerCapSummary } from "./power-cap";
export { expandArgv, gridFromText, paramsListFromJson, sampleSpace, spaceFromText, type Dimension, type ParamValue, type Params } from "./space";
export { jobPowerLogPath, jobPowerSeries, SlurmBackend, SLURM_WRAPPER, type SlurmBackendOptions } from "./slurm";
