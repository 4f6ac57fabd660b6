/** greenai-common: payload schemas and browser-safe math shared by kernel and extension. */
export * from "./payloads";
export * from "./stats";
export * from "./tpe-decision";
export * from "./decimate";
export * from "./ribbon-picks";
export * from "./plotly-text";
export * from "./guards";
export * from "./live-energy";
export * from "./energy-text";
