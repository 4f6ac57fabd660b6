/** Type guards for JSON read from outputs and messages (one home for the kernel's and the extension's readers). */

/** A finite number (not NaN, not ±Infinity). */
export const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);

/** A plain JSON object: not null, not an array. */
export const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
