/**
 * One jest run for the whole repository; tests live in test/, mirroring the source tree.
 * Two projects: node for common/kernel, jsdom for the JupyterLab extension (test/extension).
 */
const nodeProject = {
  displayName: "node",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/extension/", "<rootDir>/test/e2e/"],
  transform: { "^.+\\.tsx?$": ["ts-jest", { tsconfig: { isolatedModules: true, esModuleInterop: true, resolveJsonModule: true, target: "ES2022", module: "commonjs" } }] },
  // Tests run against sources, not builds.
  moduleNameMapper: { "^greenai-common$": "<rootDir>/common/src" },
};

// ESM-only packages that babel must transform for jest (JupyterLab ships ES modules).
const esModules = [
  "@codemirror",
  "@jupyter/ydoc",
  "@jupyter/react-components",
  "@jupyter/web-components",
  "@jupyterlab/",
  "@marijn",
  "@microsoft",
  "color",
  "exenv-es6",
  "lib0",
  "marked",
  "nanoid",
  "vscode-ws-jsonrpc",
  "y-protocols",
  "y-websocket",
  "yjs",
].join("|");

const extensionProject = {
  displayName: "extension",
  testEnvironment: "@jupyterlab/testing/lib/jest-env.js",
  setupFiles: ["@jupyterlab/testing/lib/jest-shim.js", "<rootDir>/test/extension/setup.js"],
  roots: ["<rootDir>/test/extension"],
  testMatch: ["**/*.test.ts"],
  modulePathIgnorePatterns: ["<rootDir>/extension/labextension/", "<rootDir>/lab/build/"],
  transform: {
    "\\.svg$": "@jupyterlab/testing/lib/jest-raw-loader.js",
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "<rootDir>/test/extension/tsconfig.json" }],
    "^.+\\.m?jsx?$": ["babel-jest", { presets: [["@babel/preset-env", { targets: { node: "current" } }]] }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules})).+`],
  moduleNameMapper: {
    "^greenai-common$": "<rootDir>/common/src",
    "\\.(css|less|sass|scss)$": "identity-obj-proxy",
    "\\.(gif|ttf|eot)$": "@jupyterlab/testing/lib/jest-file-mock.js",
  },
};

module.exports = {
  projects: [nodeProject, extensionProject],
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/test/helpers/summary-reporter.js"],
};
