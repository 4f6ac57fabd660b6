/**
 * Browser end-to-end tests: Galata (Playwright) driving Debian's /usr/bin/chromium against the
 * self-hosted JupyterLab that test/e2e/serve.js starts on 127.0.0.1. Two servers, two projects:
 *   lab:       the frontend with the greenai extension bundled from source (tour, ribbon-grid, energy)
 *   federated: a module-federation host loading the prebuilt extension installed by copy
 *              (federated.spec.ts), as a user's own JupyterLab 4 would
 * Artifacts (screenshots, traces of failures, server logs) go to test-results/. Run: npm run test:e2e
 */
const path = require("path");
const base = require("@jupyterlab/galata/lib/playwright-config");

const PORT = Number(process.env.GREENAI_E2E_PORT || 18899);
const FED_PORT = Number(process.env.GREENAI_E2E_FED_PORT || 18898);
const ROOT = path.resolve(__dirname, "..", "..");

const server = (port, extra = "") => ({
  command: `node ${path.join(__dirname, "serve.js")}${extra}`,
  url: `http://127.0.0.1:${port}/lab`,
  timeout: 120_000,
  reuseExistingServer: false,
  stdout: "pipe",
  stderr: "pipe",
});

module.exports = {
  ...base,
  testDir: __dirname,
  outputDir: path.join(ROOT, "test-results", "e2e"),
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: path.join(ROOT, "test-results", "e2e-report") }], [path.join(__dirname, "summary-reporter.js")]],
  use: {
    ...base.use,
    viewport: { width: 1400, height: 900 },
    // Playwright's default video needs its own ffmpeg download; Debian chromium needs no sandbox as root.
    video: "off",
    trace: "retain-on-failure",
    launchOptions: { executablePath: process.env.GREENAI_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] },
  },
  projects: [
    { name: "lab", testMatch: ["tour.spec.ts", "ribbon-grid.spec.ts", "energy.spec.ts"], use: { baseURL: `http://127.0.0.1:${PORT}` } },
    { name: "federated", testMatch: "federated.spec.ts", use: { baseURL: `http://127.0.0.1:${FED_PORT}` } },
  ],
  webServer: [server(PORT), server(FED_PORT, " --federated")],
};
