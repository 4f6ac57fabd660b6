/** RIBBON: cost-effective QoS-aware pools of heterogeneous instances, found by Bayesian optimisation over a serving simulator. Pure. */
export * from "./rng";
export * from "./catalogue";
export * from "./json";
export * from "./workload";
export * from "./simulator";
export * from "./normal";
export * from "./gp";
export * from "./prune";
export * from "./evaluators";
export * from "./session";
export * from "./search";
export * from "./baselines";
export * from "./read";
