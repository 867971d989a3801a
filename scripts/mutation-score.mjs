// Reads StrykerJS's JSON reports (reports/mutation/<module>.json, one per module run; see
// stryker.config.mjs) and prints the mutation score per promise-holding module as a Markdown
// table, failing (exit 1) when a measured module is below the threshold, or when none was measured.
// Stryker's own `break` threshold is global; the promise is per module. Score as Stryker computes
// it: detected (killed, timed out) over detected + undetected (survived, no coverage); ignored and
// invalid ones don't count. --write puts the table (with each module's report date) into the
// README's mutation-score section; a module with no local report keeps its README row as it is (a
// worktree holding only some modules' reports rewrites only theirs). A module's files with no
// runtime code (its `noRuntimeCode` in mutation-modules.mjs) have no mutants and are not waited for.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { globToRegExp, MODULES, moduleOfFile } from './mutation-modules.mjs';

/** The repo's files a module's globs match that can have mutants (a report holding fewer measured only part of it). */
const moduleFiles = (m) =>
  readdirSync('src', { recursive: true })
    .map((f) => `src/${f}`)
    .filter((f) => m.mutate.some((g) => globToRegExp(g).test(f)) && !(f in (m.noRuntimeCode ?? {})));

const THRESHOLD = 80;
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const DIR = 'reports/mutation';

const args = process.argv.slice(2);
const write = args.includes('--write');
const only = args.filter((a) => !a.startsWith('--'));

// Mutants per source file, from the newest report holding it (reports sorted by age), then per module.
const byFile = new Map();
const reports = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => join(DIR, f)) : [];
reports.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
for (const file of reports) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  for (const [path, f] of Object.entries(report.files)) byFile.set(path.replace(/^.*?(src\/)/, '$1'), { mutants: f.mutants, date: statSync(file).mtime });
}
const byModule = new Map();
for (const [path, f] of byFile) {
  const m = moduleOfFile(path);
  if (!m) continue;
  const v = byModule.get(m.id) ?? { mutants: [], files: [], date: f.date };
  v.mutants.push(...f.mutants);
  v.files.push(path);
  if (f.date < v.date) v.date = f.date; // the oldest measurement in the row
  byModule.set(m.id, v);
}

// Every module's row (the README shows them all); only the asked ones (or all) decide the exit code.
const rows = [];
let failed = false;
for (const m of MODULES) {
  const asked = !only.length || only.includes(m.id);
  const v = byModule.get(m.id);
  const all = moduleFiles(m);
  if (!v) {
    // No local report: --write keeps the README's row for it (measured elsewhere), if there is one.
    rows.push({ asked, name: m.name, cells: [m.name, m.mutate.map((g) => `\`${g}\``).join(', '), '-', '-', '-', 'not measured'] });
    failed ||= asked;
    continue;
  }
  const detected = v.mutants.filter((x) => DETECTED.has(x.status)).length;
  const undetected = v.mutants.filter((x) => UNDETECTED.has(x.status)).length;
  const score = detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected);
  // A report of only some of the module's files is a partial measurement, and says so.
  const partial = v.files.length < all.length;
  const files = partial ? `${v.files.map((f) => `\`${f}\``).join(', ')} (only ${v.files.length} of ${all.length} files)` : m.mutate.map((g) => `\`${g}\``).join(', ');
  const ok = score >= THRESHOLD && !partial;
  failed ||= asked && !ok;
  rows.push({ asked, measured: true, cells: [m.name, files, String(v.mutants.length), String(detected), String(undetected), `${score.toFixed(1)}%${score >= THRESHOLD ? '' : ` (below ${THRESHOLD}%)`}${partial ? ' (partial)' : ''} on ${v.date.toISOString().slice(0, 10)}`] });
}
const tableOf = (rs) => ['| module | mutated | mutants | killed | survived / no coverage | score |', '|---|---|---|---|---|---|', ...rs.map((r) => `| ${r.cells.join(' | ')} |`)].join('\n');
console.log(tableOf(rows.filter((r) => r.asked)));
if (write) {
  // The README's section between the markers is this table, nothing else.
  const readme = readFileSync('README.md', 'utf8');
  const block = /(<!-- mutation-score:begin[^>]*-->\n)([\s\S]*?)(<!-- mutation-score:end -->)/;
  const section = block.exec(readme);
  if (!section) throw new Error('README.md has no <!-- mutation-score:begin --> ... <!-- mutation-score:end --> section');
  // A module's current README row, by its name in the first cell.
  const oldRows = new Map(section[2].split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| module |')).map((l) => [l.split(' | ')[0].slice(2), l]));
  const lines = rows.map((r) => (!r.measured && oldRows.has(r.name) ? oldRows.get(r.name) : `| ${r.cells.join(' | ')} |`));
  const table = [tableOf([]), ...lines].join('\n');
  writeFileSync('README.md', readme.replace(block, (_, begin, _rows, end) => `${begin}${table}\n${end}`));
}
process.exit(failed ? 1 : 0);
