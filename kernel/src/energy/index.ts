/** Energy: power series and integration, attribution to trials, meters, power-limit advice. */
export * from "./attribute";
export * from "./meters";
export * from "./nvidia-smi";
export * from "./power-log";
export * from "./power-model";
export * from "./powercap";
export * from "./rapl";
export * from "./read-sweep";
export * from "./series";
export * from "./time";
export * from "./measure";
export * from "./tune";
export * from "./tune-eval";
export * from "./power-limit";
export * from "./plan";
export * from "./compare";
