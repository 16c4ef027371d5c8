// `npm run bench`: every benchmark under bench/, one after another, each
// printing its own side-by-side table with ratios. Benchmarks are not tests:
// they print PASS/FAIL against the targets of the issues but never fail CI.
// `npm run bench -- jwt` runs only the benchmarks whose name contains "jwt".
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.js') && (!filter || f.includes(filter)))
  .sort();

console.log(
  `node ${process.version}, ${(await import('node:os')).cpus().length} cores, ${new Date().toISOString()}`,
);
for (const file of files) {
  console.log(`\n=== ${file} ===`);
  try {
    const mod = await import(new URL(file, import.meta.url).href);
    await mod.run();
  } catch (err) {
    // One broken benchmark must not hide the others' numbers.
    process.exitCode = 1;
    console.log(`FAIL  ${file} did not finish: ${err instanceof Error ? err.message : err}`);
  }
}
