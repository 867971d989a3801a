// The "3 control planes + N fixed workers" spec the benchmark renders: the HA example's settings with
// its nodes replaced, so its per-node cost is the HA cluster's.
import { readFileSync } from 'node:fs';

/** The HA example with 3 control planes and `workers` fixed workers (10.1.0.0/16, Ubuntu 24.04). */
export function bigClusterSpec(workers: number): string {
  const ha = readFileSync(new URL('../../examples/ha/cluster.yaml', import.meta.url), 'utf8');
  const head = ha.slice(0, ha.indexOf('  nodes:\n'));
  const lines = ['  nodes:'];
  for (let i = 1; i <= 3; i++) lines.push(`    - { name: cp-${i}, address: 10.0.0.${10 + i}, roles: [control-plane, etcd] }`);
  for (let i = 0; i < workers; i++) lines.push(`    - { name: worker-${i + 1}, address: 10.1.${Math.floor(i / 250)}.${(i % 250) + 1}, roles: [worker] }`);
  return `${head.replace(/^  name: ha$/m, `  name: big${workers}`)}${lines.join('\n')}\n`;
}
