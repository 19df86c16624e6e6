// Builds the console into dist/: one bundled, minified script with its source map, the
// page and its styles. No CDN: everything the browser loads comes from heraldd.
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
rmSync(`${here}dist`, { recursive: true, force: true });
mkdirSync(`${here}dist`);
await build({
  entryPoints: [`${here}src/main.tsx`],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: `${here}dist/console.js`,
  logLevel: "warning",
});
cpSync(`${here}static`, `${here}dist`, { recursive: true });
cpSync(`${here}node_modules/uplot/dist/uPlot.min.css`, `${here}dist/uPlot.min.css`);
