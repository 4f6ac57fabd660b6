/** Live trials: records, schedules, backends (local, Slurm, function), the runner and its report. */
export * from "./backend";
export * from "./function-backend";
export * from "./local";
export * from "./policy";
export { descendants, groupMembers, isAlive, listProcesses, procInfoFromStat, signalGroup, type ProcInfo } from "./proc";
export * from "./records";
export * from "./report";
export * from "./run-folder";
export * from "./run-state";
export * from "./runner";
export * from "./scores";
export * from "./space";
