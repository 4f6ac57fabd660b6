/**
 * Training performance estimation (TPE): training-speed scores, energy accounting, the TPE
 * decision and its sweep, successive halving, and readers for recorded curves and power logs.
 */
export * from "./curves";
export * from "./scores";
export * from "./lcfit";
export * from "./energy";
export * from "./trials";
export * from "./decision";
export * from "./halving";
export * from "./policy";
export * from "./replay";
export * from "./sweep";
export * from "./read-curves";
export * from "./power-logs";
