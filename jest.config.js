/** One jest run for the whole repository; tests live in test/, mirroring the source tree. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.tsx?$": ["ts-jest", { isolatedModules: true }] },
  testTimeout: 60000,
  // Tests run against sources, not builds.
  moduleNameMapper: { "^greenai-common$": "<rootDir>/common/src" },
};
