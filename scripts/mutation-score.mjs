// Reads StrykerJS's JSON report (reports/mutation/mutation.json) and prints the mutation score per
// promise-holding module, failing (exit 1) when one is below the threshold. Stryker's own `break`
// threshold is global; the promise is per module. Score as Stryker computes it: detected (killed,
// timed out) over detected + undetected (survived, no coverage); ignored and invalid ones don't count.
import { readFileSync } from 'node:fs';

const THRESHOLD = 80;
const MODULES = [
  ['io', /^src\/io\//],
  ['secrets', /^src\/secrets\//],
  ['emit (cloudInit, ignition)', /^src\/emit\/(cloudInit|ignition)\.ts$/],
  ['plan builders (pkiFiles, bootstrap)', /^src\/plan\/builders\/(pkiFiles|bootstrap)\.ts$/],
  ['model rules', /^src\/model\/\w*[rR]ules\.ts$/],
];
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

const file = process.argv[2] ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const rows = [];
let failed = false;
for (const [name, pattern] of MODULES) {
  const mutants = Object.entries(report.files)
    .filter(([path]) => pattern.test(path.replace(/^.*?(src\/)/, '$1')))
    .flatMap(([, f]) => f.mutants);
  if (mutants.length === 0) {
    rows.push([name, '-', '-', '-', 'not in this run']);
    continue;
  }
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  const score = detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected);
  const ok = score >= THRESHOLD;
  failed ||= !ok;
  rows.push([name, String(mutants.length), String(detected), String(undetected), `${score.toFixed(1)}%${ok ? '' : ` < ${THRESHOLD}%`}`]);
}
console.log('| module | mutants | killed | survived | score |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
process.exit(failed ? 1 : 0);
