/** One jest run for the whole repository; tests live in test/, mirroring the source tree. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.tsx?$": ["ts-jest", { tsconfig: { isolatedModules: true, esModuleInterop: true, resolveJsonModule: true, target: "ES2022", module: "commonjs" } }] },
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/test/helpers/summary-reporter.js"],
  // Tests run against sources, not builds.
  moduleNameMapper: { "^greenai-common$": "<rootDir>/common/src" },
};
