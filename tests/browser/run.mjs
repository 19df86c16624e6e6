// Runs the browser tests: each *.test.ts bundled by esbuild (its packages left to Node,
// from the console's node_modules), then node's test runner on them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const modules = join(here, "../../console/node_modules");
const { build } = createRequire(join(modules, "../package.json"))("esbuild");
const out = mkdtempSync(join(tmpdir(), "herald-browser-tests-"));
const tests = readdirSync(here).filter((f) => f.endsWith(".test.ts"));
await build({
  entryPoints: tests.map((f) => join(here, f)),
  bundle: true,
  packages: "external",
  external: ["playwright-core"], // tsconfig maps it to a path, for tsc
  platform: "node",
  format: "cjs",
  target: "node18",
  outdir: out,
  outExtension: { ".js": ".cjs" },
  logLevel: "warning",
});
const run = spawnSync(
  process.execPath,
  ["--test", "--test-reporter=spec", ...tests.map((f) => join(out, f.replace(/\.ts$/, ".cjs")))],
  {
    stdio: "inherit",
    env: { ...process.env, NODE_PATH: modules },
  },
);
rmSync(out, { recursive: true, force: true });
process.exit(run.status ?? 1);
