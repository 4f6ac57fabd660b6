/**
 * Browser end-to-end tests: Galata (Playwright) driving Debian's /usr/bin/chromium against the
 * self-hosted JupyterLab that test/e2e/serve.js starts on 127.0.0.1. Artifacts (screenshots,
 * traces of failures) go to test-results/e2e/. Run: npm run test:e2e
 */
const path = require("path");
const base = require("@jupyterlab/galata/lib/playwright-config");

const PORT = Number(process.env.GREENAI_E2E_PORT || 18899);
const ROOT = path.resolve(__dirname, "..", "..");

module.exports = {
  ...base,
  testDir: __dirname,
  testMatch: "**/*.spec.ts",
  outputDir: path.join(ROOT, "test-results", "e2e"),
  timeout: 300_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: path.join(ROOT, "test-results", "e2e-report") }]],
  use: {
    ...base.use,
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1400, height: 900 },
    // Playwright's default video needs its own ffmpeg download; Debian chromium needs no sandbox as root.
    video: "off",
    trace: "retain-on-failure",
    launchOptions: { executablePath: process.env.GREENAI_CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"] },
  },
  webServer: {
    command: `node ${path.join(__dirname, "serve.js")}`,
    url: `http://127.0.0.1:${PORT}/lab`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
};
