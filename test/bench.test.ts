// `npm run bench --quick` runs every case once and writes bench.md's sections: the shape, not the timing.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveTool, tool } from './helpers/validators.js';
import { repoRoot } from './helpers/fixtures.js';

describe('npm run bench --quick', () => {
  it.runIf(haveTool('time') && haveTool('openssl'))('writes bench.md with every case against its baseline', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kspray-bench-test-')), 'bench.md');
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist/bench/run.js'), '--quick', '--out', out, '--time', tool('time'), '--openssl', tool('openssl')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toMatch(/^# kspray benchmark\n/);
    expect(md).toMatch(/node v\d+\.\d+\.\d+; OpenSSL \d/);
    expect(md).toMatch(/load average at start: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\./);
    for (const heading of [
      '### kspray --version',
      '### kspray validate (HA example)',
      '### Cold render of the HA example',
      '### Warm render of the HA example',
      '### Full re-render of the HA example',
      '### 3 control planes + 20 fixed workers, cold',
      '### render --node of one worker of 3 CP + 20 workers',
      '### Linearity (cold, 3 CP + N workers)',
      '### ECDSA-P256: 29 keys, 28 certificates',
      '## Payload sizes',
    ])
      expect(md).toContain(heading);
    // Each timed row: min / median / max of CPU and wall (numbers, min ≤ median ≤ max), a peak RSS.
    const rows = md.split('\n').filter((l) => /^\| .+ \| 1 \| \d+ \/ \*\*\d+\*\* \/ \d+ \|/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(16);
    for (const row of rows) {
      // CPU (and wall, except in the linearity table): min ≤ median ≤ max, numbers of milliseconds.
      for (const [min, med, max] of [...row.matchAll(/(\d+) \/ \*\*(\d+)\*\* \/ (\d+)/g)].map((m) => m.slice(1).map(Number))) {
        expect(min).toBeLessThanOrEqual(med!);
        expect(med).toBeLessThanOrEqual(max!);
      }
      expect(row).toMatch(/\| \d+ \|( [\d.]+× \|)?$/); // peak RSS (and the ratio to the baseline)
      // The CPU split: user / sys medians, right after the CPU column.
      const [cpuMedian, user, sys] = /\*\*(\d+)\*\* \/ \d+ \| (\d+) \/ (\d+) \|/.exec(row)!.slice(1).map(Number);
      expect(user! + sys!).toBe(cpuMedian); // one run: its user and sys add up to its CPU
    }
    // Baselines: node -e 0, kspray --version, the openssl CLI both ways, the WebCrypto loop.
    for (const baseline of ['`node -e 0`', '`kspray --version`', 'openssl CLI, 4 processes at a time', 'openssl CLI, one process at a time', 'WebCrypto key generation alone'])
      expect(md).toContain(`| ${baseline}`);
    expect(md).toMatch(/kspray is \*\*\d+\.\d×\*\* the key-generation floor/);
    expect(md).toMatch(/\| ha \| cp-1 \| control plane \(init\) \| cloud-init \| \d+ \| \d+ \|/);
  }, 300_000);
});
