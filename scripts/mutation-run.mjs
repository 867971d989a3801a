// `npm run test:mutation [-- MODULE...]`: one StrykerJS run per promise-holding module (all, or the
// ids given), one after another under the lowest CPU priority, then the per-module score, which
// fails below 80% (scripts/mutation-score.mjs). One at a time: the machine is shared.
import { spawnSync } from 'node:child_process';
import { MODULES } from './mutation-modules.mjs';

const ids = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const run = ids.length ? ids : MODULES.map((m) => m.id);
for (const id of run) {
  const r = spawnSync('nice', ['-n', '19', 'npx', 'stryker', 'run'], { stdio: 'inherit', env: { ...process.env, KSPRAY_MUTATION_MODULE: id } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const score = spawnSync('node', ['scripts/mutation-score.mjs', ...run, ...(process.argv.includes('--write') ? ['--write'] : [])], { stdio: 'inherit' });
process.exit(score.status ?? 1);
