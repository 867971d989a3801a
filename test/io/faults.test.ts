// Faults during `kspray render` of a larger cluster (3 control planes, 20 workers), with the built
// CLI: a full disk (a small tmpfs) during bundle creation, among leaf keys and among payloads;
// SIGKILL at several moments; read-only output directories. After each: no file under a final
// name is short (every one that exists equals what a successful run writes), the secrets bundle is
// complete or absent (and a complete one is never rewritten), and a rerun with space succeeds with
// outputs byte-identical to an uninterrupted render with the same bundle.
// tmpfs and read-only mounts need root (CI runs as root); those cases are skipped otherwise.
import { spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, openSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli, type CliResult } from '../helpers/runCli.js';
import { CORE_FILES } from '../../src/secrets/bundleFiles.js';

const isRoot = process.getuid?.() === 0;
const NOT_ROOT = 'needs root for mount -t tmpfs (CI runs as root)';
const WORKERS = 20;
const NODES = ['cp-1', 'cp-2', 'cp-3', ...Array.from({ length: WORKERS }, (_, i) => `w-${i + 1}`)];
const SPEC_TEXT = `apiVersion: kspray.dev/v1alpha1
kind: Cluster
metadata:
  name: big
spec:
  controlPlane: { endpoint: "api.big.internal:6443" }
  addons: { nodeLocalDNS: true, metricsServer: true }
  nodes:
${NODES.map((n, i) => `    - { name: ${n}, address: 10.0.${i < 3 ? 0 : 1}.${i + 10}, roles: [${i < 3 ? 'control-plane, etcd' : 'worker'}] }`).join('\n')}
`;
const TEMP = /\.tmp-/;

const work = mkdtempSync(join(tmpdir(), 'kspray-faults-'));
const SPEC = join(work, 'cluster.yaml');
writeFileSync(SPEC, SPEC_TEXT);
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  rmSync(work, { recursive: true, force: true });
});

const render = (out: string): Promise<CliResult> => runCli(['render', '-f', SPEC, '-o', out], work);

/** Every file under `dir` (relative path → bytes), temps included. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(relative(dir, full), readFileSync(full));
    }
  };
  walk(dir);
  return out;
}
const finals = (t: Map<string, Buffer>) => new Map([...t].filter(([p]) => !TEMP.test(p)));
const secretsOf = (t: Map<string, Buffer>) => new Map([...t].filter(([p]) => p.startsWith('secrets/')));
const withoutSecrets = (t: Map<string, Buffer>) => new Map([...t].filter(([p]) => !p.startsWith('secrets/')));

function mountTmpfs(dir: string, size: string, ro = false): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755${ro ? ',ro' : ''}`, 'tmpfs', dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  mounts.push(dir);
}
function remount(dir: string, opts: string): void {
  const r = spawnSync('mount', ['-o', `remount,${opts}`, dir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

/** Bytes a tree takes on tmpfs: whole pages per file. */
const pages = (t: Map<string, Buffer>) => [...t.values()].reduce((n, b) => n + Math.max(1, Math.ceil(b.length / 4096)), 0) * 4096;

/** The bundle is absent, or complete: every core file and a leaf key per node, none empty. */
function expectBundleCompleteOrAbsent(clusterDir: string): boolean {
  const secrets = join(clusterDir, 'secrets');
  if (!existsSync(secrets)) return false;
  const t = finals(tree(secrets));
  const names = [...t.keys()].sort();
  // The names of the complete bundle made up front: core files and a leaf key per certificate.
  expect(names).toEqual([...secretsOf(seededOutputs).keys()].map((p) => p.slice('secrets/'.length)).sort());
  for (const core of CORE_FILES) expect(names).toContain(core);
  for (const [p, b] of t) expect(b.length, p).toBeGreaterThan(0);
  return true;
}

/**
 * After a fault and a successful rerun: what the faulted run left under final names equals the
 * rerun's bytes (nothing short), a bundle that existed is unchanged, no temp is left, and the
 * outputs equal `reference` (an uninterrupted render with the same bundle).
 */
function expectRecovered(afterFault: Map<string, Buffer>, clusterDir: string, reference: Map<string, Buffer>): void {
  const after = tree(clusterDir);
  expect([...after.keys()].filter((p) => TEMP.test(p)), 'temps left after the rerun').toEqual([]);
  for (const [p, b] of finals(afterFault)) expect(after.get(p)?.equals(b), `${p} under its final name differs from a complete run (short or stale)`).toBe(true);
  const referenceNoSecrets = withoutSecrets(reference);
  const afterNoSecrets = withoutSecrets(after);
  expect([...afterNoSecrets.keys()].sort()).toEqual([...referenceNoSecrets.keys()].sort());
  for (const [p, b] of referenceNoSecrets) expect(afterNoSecrets.get(p)!.equals(b), `${p} is not byte-identical to an uninterrupted render`).toBe(true);
}

/** An uninterrupted render with a copy of `clusterDir`'s bundle, as the reference. */
async function referenceFor(clusterDir: string): Promise<Map<string, Buffer>> {
  const out = mkdtempSync(join(work, 'ref-'));
  cpSync(join(clusterDir, 'secrets'), join(out, 'big', 'secrets'), { recursive: true });
  const r = await render(out);
  expect(r.status, r.stderr).toBe(0);
  const t = tree(join(out, 'big'));
  expect(secretsOf(t), 'the reference render needed nothing new in the bundle').toEqual(secretsOf(tree(clusterDir)));
  return t;
}

/** One line naming the path, the action and the errno in words: no stack. */
function expectOneLineFailure(r: CliResult, errno: RegExp): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(errno);
  expect(r.stderr).not.toMatch(/^\s+at .+[:(]/m);
  expect(r.stderr).not.toContain('internal error');
  const errorLines = r.stderr.split('\n').filter((l) => l.includes('error['));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(/^error\[filesystem\]: cannot (write|create|create directory|rename) (\/\S+|standard output): /);
}

// A complete bundle and its outputs, made once: the payload-phase cases start from a copy of it.
let seeded = '';
let seededOutputs = new Map<string, Buffer>();
beforeAll(async () => {
  seeded = join(work, 'seeded');
  const r = await render(seeded);
  expect(r.status, r.stderr).toBe(0);
  seededOutputs = tree(join(seeded, 'big'));
}, 120_000);

function seedBundle(out: string): void {
  cpSync(join(seeded, 'big', 'secrets'), join(out, 'big', 'secrets'), { recursive: true });
}

describe.skipIf(!isRoot)(`disk full (tmpfs)${isRoot ? '' : `: ${NOT_ROOT}`}`, () => {
  const bundlePages = () => pages(secretsOf(seededOutputs));

  it.each([
    ['during bundle creation (the CA files)', () => 3 * 4096, /cannot write \S+\/big\/secrets\/(?!leaf\/)\S+: no space/],
    ['among the leaf keys', () => (CORE_FILES.length + 6) * 4096, /cannot write \S+\/big\/secrets\/leaf\/\S+: no space/],
  ])('ENOSPC %s: no bundle at all, nothing else written; a rerun with space creates one and renders', async (_, size, where) => {
    const m = join(work, `full-${size()}`);
    mountTmpfs(m, String(size()));
    const r = await render(m);
    expectOneLineFailure(r, /no space left on device \(ENOSPC\)/);
    expect(r.stderr, 'the disk filled at this moment').toMatch(where);
    const cluster = join(m, 'big');
    expect(expectBundleCompleteOrAbsent(cluster)).toBe(false);
    const afterFault = tree(cluster);
    expect([...afterFault.keys()], 'no temps, no partial bundle').toEqual([]);
    remount(m, 'size=64m');
    const again = await render(m);
    expect(again.status, again.stderr).toBe(0);
    expect(expectBundleCompleteOrAbsent(cluster)).toBe(true);
    expectRecovered(afterFault, cluster, await referenceFor(cluster));
  }, 180_000);

  it.each([
    ['among the payloads', 0.5],
    ['at the last payloads', 0.97],
  ])('ENOSPC %s: the bundle untouched, no output under its final name; a rerun with space is byte-identical', async (_, fraction) => {
    const outputs = withoutSecrets(seededOutputs);
    const size = bundlePages() + Math.floor((pages(outputs) * fraction) / 4096) * 4096;
    const m = join(work, `full-out-${fraction}`);
    mountTmpfs(m, String(size));
    seedBundle(m);
    const bundleBefore = secretsOf(tree(join(m, 'big')));
    const r = await render(m);
    expectOneLineFailure(r, /no space left on device \(ENOSPC\)/);
    expect(r.stderr, 'the disk filled among the outputs').toMatch(/cannot write \S+\/big\/(nodes|admin\.conf|kubeconfigs|pki)\S*: no space/);
    const cluster = join(m, 'big');
    const afterFault = tree(cluster);
    expect(secretsOf(afterFault)).toEqual(bundleBefore);
    // Every payload is staged before any is renamed: a full disk leaves no new file at all.
    expect([...withoutSecrets(afterFault).keys()]).toEqual([]);
    remount(m, 'size=64m');
    const again = await render(m);
    expect(again.status, again.stderr).toBe(0);
    expectRecovered(afterFault, cluster, seededOutputs);
    expect(secretsOf(tree(cluster))).toEqual(bundleBefore);
  }, 180_000);
});

describe('SIGKILL during a render', () => {
  /** Starts a render into `out` and kills it with SIGKILL once `when(clusterDir)` holds. */
  async function killWhen(out: string, when: (clusterDir: string) => boolean): Promise<CliResult> {
    const cluster = join(out, 'big');
    let timer: NodeJS.Timeout | undefined;
    const r = await runCli(['render', '-f', SPEC, '-o', out], work, {}, (child) => {
      timer = setInterval(() => {
        try {
          if (when(cluster)) {
            child.kill('SIGKILL');
            clearInterval(timer);
          }
        } catch {
          // the directory is changing under the poll; try again
        }
      }, 1);
    });
    clearInterval(timer);
    return r;
  }
  const entries = (d: string) => (existsSync(d) ? readdirSync(d) : []);
  const nodeDirs = (c: string) => entries(join(c, 'nodes')).length;

  it('while the bundle is being written (its temp directory exists): no bundle under secrets/, a rerun creates one', async () => {
    const out = join(work, 'kill-bundle');
    const r = await killWhen(out, (c) => entries(join(out)).some((n) => n.startsWith('big')) && entries(c).some((n) => n.startsWith('secrets.tmp-')));
    expect(r.signal).toBe('SIGKILL');
    const cluster = join(out, 'big');
    expect(expectBundleCompleteOrAbsent(cluster)).toBe(false);
    const afterFault = tree(cluster);
    const again = await render(out);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('corrupt');
    expect(entries(cluster).filter((n) => TEMP.test(n)), 'the killed run\'s temp directory is removed').toEqual([]);
    expectRecovered(afterFault, cluster, await referenceFor(cluster));
  }, 180_000);

  it.each([
    ['as payloads are staged (first node directory)', (c: string) => nodeDirs(c) >= 1],
    ['half-way through staging', (c: string) => nodeDirs(c) >= NODES.length / 2],
    ['once renames into place began (admin.conf exists)', (c: string) => existsSync(join(c, 'admin.conf'))],
  ])('%s: the bundle complete and unchanged, every final file whole, the rerun byte-identical', async (label, when) => {
    const out = join(work, `kill-${label.length}`);
    seedBundle(out);
    const bundleBefore = secretsOf(tree(join(out, 'big')));
    const r = await killWhen(out, when);
    const cluster = join(out, 'big');
    if (r.signal !== 'SIGKILL') {
      // The render finished between two polls: nothing was interrupted, the invariants still hold.
      expect(r.status, r.stderr).toBe(0);
      console.warn(`SIGKILL ${label}: the render finished before the moment was seen`);
    }
    const afterFault = tree(cluster);
    expect(secretsOf(afterFault)).toEqual(bundleBefore);
    const again = await render(out);
    expect(again.status, again.stderr).toBe(0);
    expectRecovered(afterFault, cluster, seededOutputs);
  }, 180_000);
});

describe.skipIf(!isRoot)(`read-only output directories${isRoot ? '' : `: ${NOT_ROOT}`}`, () => {
  it('a read-only mount with earlier outputs: EROFS in one line, every earlier output as it was; writable again, the rerun is byte-identical', async () => {
    const m = join(work, 'ro-earlier');
    mountTmpfs(m, '64m');
    seedBundle(m);
    const first = await render(m);
    expect(first.status, first.stderr).toBe(0);
    const cluster = join(m, 'big');
    const before = tree(cluster);
    remount(m, 'ro');
    const r = await render(m);
    expectOneLineFailure(r, /read-only file system \(EROFS\)/);
    expect(tree(cluster)).toEqual(before);
    remount(m, 'rw');
    const again = await render(m);
    expect(again.status, again.stderr).toBe(0);
    expectRecovered(before, cluster, seededOutputs);
  }, 180_000);

  it('a fresh read-only mount: EROFS in one line, nothing written', async () => {
    const m = join(work, 'ro-fresh');
    mountTmpfs(m, '1m', true);
    const r = await render(m);
    expectOneLineFailure(r, /read-only file system \(EROFS\)/);
    expect(readdirSync(m)).toEqual([]);
  }, 60_000);
});

describe('an output path that is not a directory', () => {
  it('-o /dev/null: ENOTDIR in one line naming the path, exit 1, no stack', async () => {
    const r = await runCli(['render', '-f', SPEC, '-o', '/dev/null'], work);
    expectOneLineFailure(r, /cannot create directory \/dev\/null\/big: not a directory \(ENOTDIR\)/);
  }, 60_000);

  it('--node to a full device (/dev/full): ENOSPC on standard output in one line, exit 1', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [cliPath, 'render', '-f', SPEC, '-o', join(work, 'to-full'), '--node', 'cp-1'], { cwd: work, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      expectOneLineFailure({ status: r.status, signal: r.signal, stdout: '', stderr: r.stderr }, /cannot write standard output: no space left on device \(ENOSPC\)/);
    } finally {
      closeSync(fd);
    }
  }, 60_000);

  it('-o a regular file: the same', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['render', '-f', SPEC, '-o', file], work);
    expectOneLineFailure(r, /not a directory \(ENOTDIR\)/);
    expect(statSync(file).size).toBe(1);
  }, 60_000);
});
