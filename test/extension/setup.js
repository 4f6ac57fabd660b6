// jsdom lacks a few browser APIs plotly.js touches at import time or while drawing.
if (typeof window.URL.createObjectURL !== "function") window.URL.createObjectURL = () => "blob:greenai-test";
if (typeof window.URL.revokeObjectURL !== "function") window.URL.revokeObjectURL = () => undefined;
// No canvas in jsdom: give plotly a stub 2d context instead of "not implemented" noise.
require("jest-canvas-mock");
