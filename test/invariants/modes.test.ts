// Promise: kspray sets every mode it writes explicitly, whatever the umask. The documented modes
// (README "What render writes"): secrets/ 0700 with 0600 files, kubeconfigs and payloads 0600 (a
// control plane's payload holds CA keys), ca.crt and provenance 0644, a starter spec 0644, a reset
// script 0755; no directory kspray creates is writable by group or others. Run under umask 077
// (which would narrow 0644 to 0600) and 000 (which would widen an unset mode), through the CLI.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { cliPath } from '../helpers/runCli.js';

/** Expected mode per path under outputs/<cluster>/, first match wins. */
const FILE_MODES: Array<[RegExp, number]> = [
  [/^secrets\//, 0o600],
  [/^(admin\.conf|kubeconfigs\/.+\.conf)$/, 0o600],
  [/^pki\/ca\.crt$/, 0o644],
  [/^nodes\/[^/]+\/(user-data|user-data\.gz|config\.ign|pointer\.ign)$/, 0o600],
  [/^nodes\/[^/]+\/provenance\.json$/, 0o644],
];

function walk(dir: string): Array<{ rel: string; mode: number; isDir: boolean }> {
  const out: Array<{ rel: string; mode: number; isDir: boolean }> = [];
  const go = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      out.push({ rel: relative(dir, p), mode: st.mode & 0o7777, isDir: st.isDirectory() });
      if (st.isDirectory()) go(p);
    }
  };
  go(dir);
  return out;
}

const octal = (m: number) => `0${m.toString(8)}`;

describe.each(['077', '000'])('under umask %s', (umask) => {
  const kspray = (cwd: string, ...args: string[]) => {
    const r = spawnSync('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, cliPath, ...args], { cwd, encoding: 'utf8' });
    expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };

  it('render and certs renew write every file and directory with its documented mode', () => {
    const dir = mkdtempSync(join(tmpdir(), `kspray-umask${umask}-`));
    // mixed: cloud-init and Ignition nodes; the URL base adds pointer configs.
    copyFileSync(join(repoRoot, 'examples', 'mixed', 'cluster.yaml'), join(dir, 'cluster.yaml'));
    kspray(dir, 'render', '-f', 'cluster.yaml', '-o', 'out', '--ignition-url-base', 'https://configs.example/ign');
    kspray(dir, 'certs', 'renew', '-f', 'cluster.yaml', '-o', 'out');
    const cluster = join(dir, 'out', 'mixed');
    const entries = walk(cluster);
    const kinds = new Set<RegExp>();
    for (const e of entries) {
      if (e.isDir) {
        if (e.rel === 'secrets' || e.rel.startsWith('secrets/')) expect(octal(e.mode), e.rel).toBe('0700');
        else expect(e.mode & 0o022, `${e.rel} is ${octal(e.mode)}: writable by group or others`).toBe(0);
        continue;
      }
      const rule = FILE_MODES.find(([re]) => re.test(e.rel));
      expect(rule, `${e.rel}: no documented mode`).toBeDefined();
      kinds.add(rule![0]);
      expect(octal(e.mode), e.rel).toBe(octal(rule![1]));
    }
    expect(kinds.size, 'every kind of output was written').toBe(FILE_MODES.length);
    expect(entries.some((e) => e.rel.endsWith('pointer.ign'))).toBe(true);
    expect(entries.some((e) => e.rel.startsWith('secrets/renewals/'))).toBe(true);
  });

  it('init writes the starter spec 0644 and reset -o its script 0755', () => {
    const dir = mkdtempSync(join(tmpdir(), `kspray-umask${umask}-`));
    kspray(dir, 'init', '-f', 'cluster.yaml');
    expect(octal(lstatSync(join(dir, 'cluster.yaml')).mode & 0o7777)).toBe('0644');
    copyFileSync(join(repoRoot, 'examples', 'single', 'cluster.yaml'), join(dir, 'single.yaml'));
    kspray(dir, 'reset', '--node', 'worker-1', '-f', 'single.yaml', '-o', 'reset.sh');
    expect(octal(lstatSync(join(dir, 'reset.sh')).mode & 0o7777)).toBe('0755');
  });
});
