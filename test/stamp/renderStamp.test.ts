// The render stamp (src/stamp/renderStamp.ts), through the built CLI: a render with nothing changed
// prints what a full render prints and writes nothing; a change to any input or output makes the
// next render a full one, with the full render's result. Whether a run rendered is read from the
// modules it loaded (test/helpers/loadedModules.mjs): a full render loads dist/render.js, the
// stamp's answer loads no render module at all.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFile, repoRoot } from '../helpers/fixtures.js';
import { cliPath } from '../helpers/runCli.js';
import { LOADED_HOOK, loadedModules } from '../helpers/loaded.js';
import { fileStates } from '../helpers/fileTree.js';
import { haveTool, tool } from '../helpers/validators.js';
import { inputsDigest, stampPath, type RenderStamp } from '../../src/stamp/renderStamp.js';

const work = mkdtempSync(join(tmpdir(), 'kspray-stamp-'));
const SPEC = join(work, 'cluster.yaml');
const OUT = join(work, 'out');
const CLUSTER = join(OUT, 'ha');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  /** stderr without the module hook's lines */
  stderr: string;
  /** It compiled and rendered (loaded the render modules), rather than answering from the stamp. */
  rendered: boolean;
  /** Every module URL it loaded. */
  modules: string[];
}

function kspray(args: string[], opts: { env?: NodeJS.ProcessEnv; cli?: string } = {}): Run {
  const cli = opts.cli ?? cliPath;
  const r = spawnSync(process.execPath, ['--import', LOADED_HOOK, cli, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, ...opts.env } });
  // The package the CLI runs from (<package>/dist/cli/main.js): its bundle maps chunks to modules.
  const { modules, stderr } = loadedModules(r.stderr, dirname(dirname(dirname(cli))));
  return { status: r.status, stdout: r.stdout, stderr, rendered: modules.includes('dist/render.js'), modules };
}
const render = (...extra: string[]) => kspray(['render', '-f', SPEC, '-o', OUT, ...extra]);

/** Every file under `dir`: inode, mtime, mode, bytes (a rewrite changes the inode: writes are rename-over). */
function snapshot(dir: string): Map<string, string> {
  return new Map([...fileStates(dir)].map(([path, f]) => [path, `${f.ino} ${f.mtimeMs} ${f.mode.toString(8)} ${f.bytes.toString('base64')}`]));
}
/** The options commander gives a plain `render -f SPEC -o OUT` (--no-cache's `cache` is not one). */
const PLAIN = { file: SPEC, out: OUT, output: 'text' };
const stampFile = (options: Record<string, string> = PLAIN) => stampPath(SPEC, OUT, options);
const readStamp = () => JSON.parse(readFileSync(stampFile(), 'utf8')) as RenderStamp;

/** A full render, then one that must be answered from the stamp: the state every case starts from. */
function expectWarm(): Run {
  let full = render();
  if (full.stderr.includes('created secrets bundle')) full = render(); // that one stamps nothing
  expect(full.status, full.stderr).toBe(0);
  const warm = render();
  expect(warm.status, warm.stderr).toBe(0);
  expect(warm.rendered, 'the second render was answered from the stamp').toBe(false);
  return warm;
}

beforeAll(() => {
  copyFileSync(exampleFile('ha'), SPEC);
});

describe('render stamp', () => {
  it('a render that created the bundle leaves no stamp; the next (full) one does, 0600 in a 0700 directory', () => {
    const cold = render();
    expect(cold.status, cold.stderr).toBe(0);
    expect(cold.stderr).toContain('created secrets bundle');
    expect(existsSync(stampFile())).toBe(false);
    const second = render();
    expect(second.rendered).toBe(true);
    expect(statSync(stampFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(OUT, '.kspray')).mode & 0o777).toBe(0o700);
    // Git ignores the stamps of an outputs directory kept in a repository.
    if (haveTool('git')) {
      expect(spawnSync(tool('git'), ['init', '-q', OUT]).status).toBe(0);
      const status = spawnSync(tool('git'), ['-C', OUT, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' }).stdout;
      expect(status).toContain('ha/nodes/cp-1/user-data');
      expect(status).not.toContain('.kspray');
      rmSync(join(OUT, '.git'), { recursive: true, force: true });
    }
    // Not in the bundle, not in the cluster directory the outputs are compared in (diff, --check).
    expect(stampFile().startsWith(join(OUT, '.kspray') + '/')).toBe(true);
  });

  it('nothing changed: no render module loaded, no file written (inodes and mtimes kept), the same stdout and stderr as a full render', () => {
    expectWarm();
    const full = render('--no-cache');
    expect(full.rendered).toBe(true);
    const before = snapshot(OUT);
    const warm = render();
    expect(warm.rendered).toBe(false);
    // Reading and hashing only: none of the spec, YAML or PKI libraries, no kspray module but the stamp's.
    expect(warm.modules.filter((m) => /node_modules\/(zod|yaml|@peculiar|@noble|asn1js)\//.test(m))).toEqual([]);
    expect(warm.modules.filter((m) => m.startsWith('dist/')).map((m) => m.slice('dist/'.length)).sort()).toEqual(
      ['api/v1alpha1/providers.js', 'cli/codeCache.js', 'cli/commandTable.js', 'cli/commands/render.js', 'cli/main.js', 'cli/program.js', 'env.js', 'stamp/buildDigest.js', 'stamp/renderStamp.js'],
    );
    expect(snapshot(OUT)).toEqual(before);
    expect(warm.stdout).toBe(full.stdout);
    expect(warm.stderr).toBe(full.stderr);
    expect(warm.stderr).toContain('kspray: rendered 7 payloads into');
    // A full render with nothing changed writes nothing either, the stamp included.
    expect(render('--no-cache').rendered).toBe(true);
    expect(snapshot(OUT)).toEqual(before);
  });

  it('--output json: the same JSON report byte for byte (a different option, so first a full render)', () => {
    expectWarm();
    const first = render('--output', 'json');
    expect(first.rendered, 'an option is an input').toBe(true);
    const warm = render('--output', 'json');
    expect(warm.rendered).toBe(false);
    const full = render('--output', 'json', '--no-cache');
    expect(full.rendered).toBe(true);
    expect(JSON.parse(warm.stdout)).toHaveProperty('nodes');
    expect(warm.stdout).toBe(full.stdout);
    expect(warm.stderr).toBe(full.stderr);
    // Each set of options keeps its own stamp: run in turn, neither replaces the other's.
    expect(render().rendered).toBe(false);
    expect(render('--output', 'json').rendered).toBe(false);
  });

  it('a CLI option (--provider gce) is an input', () => {
    expectWarm();
    const gce = render('--provider', 'gce');
    expect(gce.rendered).toBe(true);
    expect(gce.status, gce.stderr).toBe(0);
    expect(existsSync(stampFile({ ...PLAIN, provider: 'gce' }))).toBe(true);
    expect(render('--provider', 'gce').rendered).toBe(false);
  });

  it('a spec byte changed: a full render with the new spec; the stamp follows', () => {
    expectWarm();
    const spec = readFileSync(SPEC, 'utf8');
    const addr = /address: (10\.0\.0\.)(\d+)/.exec(spec)!;
    writeFileSync(SPEC, spec.replace(addr[0], `address: ${addr[1]}${Number(addr[2]) + 100}`));
    try {
      const changed = render();
      expect(changed.rendered).toBe(true);
      expect(changed.status, changed.stderr).toBe(0);
      expect(readFileSync(join(CLUSTER, 'nodes', 'cp-1', 'user-data'), 'utf8')).toContain(`${addr[1]}${Number(addr[2]) + 100}`);
      expect(render().rendered).toBe(false);
    } finally {
      writeFileSync(SPEC, spec);
    }
    expect(render().rendered, 'back to the old spec: its stamp was replaced').toBe(true);
  });

  it('a bundle file added (a certificate renewal) or changed: a full render whose certificates follow it; a bundle file only touched is no change', () => {
    expectWarm();
    const apiserver = join(CLUSTER, 'nodes', 'cp-1', 'user-data');
    const before = readFileSync(apiserver, 'utf8');
    const renewal = join(CLUSTER, 'secrets', 'renewals', '20270101T080000Z.json');
    mkdirSync(join(CLUSTER, 'secrets', 'renewals'), { recursive: true, mode: 0o700 });
    writeFileSync(renewal, `${JSON.stringify({ names: ['cp-1/apiserver'], renewedAt: '2027-01-01T08:00:00.000Z', version: 1 }, null, 2)}\n`, { mode: 0o600 });
    const added = render();
    expect(added.rendered).toBe(true);
    expect(added.status, added.stderr).toBe(0);
    const renewed = readFileSync(apiserver, 'utf8');
    expect(renewed).not.toBe(before);
    expect(render().rendered).toBe(false);
    // Same bytes, new mtime: the stamp is of contents. (Renewals are dated after the keys, made today.)
    utimesSync(renewal, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    expect(render().rendered).toBe(false);
    writeFileSync(renewal, `${JSON.stringify({ names: ['cp-1/apiserver'], renewedAt: '2027-01-02T08:00:00.000Z', version: 1 }, null, 2)}\n`, { mode: 0o600 });
    const changed = render();
    expect(changed.rendered).toBe(true);
    expect(readFileSync(apiserver, 'utf8')).not.toBe(renewed);
    rmSync(join(CLUSTER, 'secrets', 'renewals'), { recursive: true });
    expect(render().rendered).toBe(true);
    expect(readFileSync(apiserver, 'utf8')).toBe(before);
  });

  it('an output edited, deleted or chmodded: a full render puts it back', () => {
    expectWarm();
    const file = join(CLUSTER, 'nodes', 'cp-2', 'user-data');
    const bytes = readFileSync(file);
    for (const [label, damage] of [
      ['edited', () => writeFileSync(file, Buffer.concat([bytes, Buffer.from('#\n')]))],
      ['deleted', () => unlinkSync(file)],
      ['chmodded', () => chmodSync(file, 0o644)],
    ] as const) {
      damage();
      const r = render();
      expect(r.rendered, label).toBe(true);
      expect(readFileSync(file).equals(bytes), label).toBe(true);
      expect(statSync(file).mode & 0o777, label).toBe(0o600);
      expect(render().rendered, label).toBe(false);
    }
  });

  it('an environment variable the render read is an input (the stamp lists what env.ts recorded)', () => {
    expectWarm();
    // Today the render reads none; a stamp that lists one is checked against it.
    const stamp = readStamp();
    expect(stamp.read.env).toEqual({});
    stamp.read.env = { KSPRAY_STAMP_TEST: '' }; // unset when stamped
    writeFileSync(stampFile(), JSON.stringify({ ...stamp, inputs: inputsDigest(stamp.read) }));
    expect(kspray(['render', '-f', SPEC, '-o', OUT]).rendered).toBe(false);
    const set = kspray(['render', '-f', SPEC, '-o', OUT], { env: { KSPRAY_STAMP_TEST: '1' } });
    expect(set.rendered).toBe(true);
  });

  it('a stamp that is corrupt, of another format or unreadable: a full render, no error', () => {
    expectWarm();
    for (const bad of ['{', JSON.stringify({ ...readStamp(), format: 99 }), '']) {
      writeFileSync(stampFile(), bad);
      const r = render();
      expect(r.status, r.stderr).toBe(0);
      expect(r.rendered).toBe(true);
      expect(render().rendered).toBe(false);
    }
  });

  it('the stamp of an earlier render is not trusted once an interrupted render changed outputs', () => {
    expectWarm();
    // On disk after a render of a changed spec killed after its outputs and before its stamp: the
    // outputs of the new spec, the stamp of the old one. Made here by keeping the old stamp aside.
    const oldStamp = readFileSync(stampFile());
    const spec = readFileSync(SPEC, 'utf8');
    writeFileSync(SPEC, spec.replace('proxyMode: ipvs', 'proxyMode: iptables')); // no new bundle file: the bundle stays as stamped
    expect(render().status).toBe(0);
    writeFileSync(SPEC, spec);
    const cp2 = join(CLUSTER, 'nodes', 'cp-2', 'user-data');
    const changedCp2 = readFileSync(cp2);
    writeFileSync(stampFile(), oldStamp);
    const r = render();
    expect(r.rendered, 'outputs differ from what the old stamp recorded').toBe(true);
    expect(readFileSync(cp2).equals(changedCp2)).toBe(false);
  });

  it('--node, --check and --no-cache always render; --node still prints the payload', () => {
    expectWarm();
    const node = kspray(['render', '-f', SPEC, '-o', OUT, '--node', 'cp-2']);
    expect(node.rendered).toBe(true);
    expect(node.stdout).toBe(readFileSync(join(CLUSTER, 'nodes', 'cp-2', 'user-data'), 'utf8'));
    const check = render('--check');
    expect(check.rendered).toBe(true);
    expect(check.status).toBe(0);
    expect(render('--no-cache').rendered).toBe(true);
  });

  it('the build is an input: a data file edited means a full render, one only touched does not', () => {
    // A copy of the package (dist/, node/, data/, schema/, package.json; node_modules linked) to edit.
    const pkg = join(work, 'pkg');
    for (const d of ['dist', 'node', 'data', 'schema', 'package.json']) cpSync(join(repoRoot, d), join(pkg, d), { recursive: true, preserveTimestamps: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(pkg, 'node_modules'));
    const cli = join(pkg, 'dist', 'cli', 'main.js');
    const run = () => kspray(['render', '-f', SPEC, '-o', OUT], { cli });
    expect(run().status).toBe(0);
    expect(run().rendered, 'the copy, as built').toBe(false);
    const data = join(pkg, 'data', 'kubernetes', 'config-fields.json');
    utimesSync(data, new Date(), new Date('2031-01-01T00:00:00Z'));
    expect(run().rendered, 'touched: the build hashes to the same digest').toBe(false);
    writeFileSync(data, `${readFileSync(data, 'utf8')}\n`);
    const edited = run();
    expect(edited.rendered, 'edited').toBe(true);
    expect(edited.status, edited.stderr).toBe(0);
    expect(run().rendered).toBe(false);
  });

  it('a spec read from a pipe is rendered (read once) and not stamped', () => {
    rmSync(join(OUT, '.kspray'), { recursive: true, force: true });
    const piped = spawnSync('sh', ['-c', `cat "${SPEC}" | "${process.execPath}" "${cliPath}" render -f /dev/stdin -o "${OUT}"`], { cwd: work, encoding: 'utf8' });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stderr).toContain('kspray: rendered 7 payloads');
    expect(existsSync(join(OUT, '.kspray'))).toBe(false);
  });

  it('a render that fails writes no stamp', () => {
    rmSync(stampFile(), { force: true });
    const spec = readFileSync(SPEC, 'utf8');
    writeFileSync(SPEC, spec.replace('kind: Cluster', 'kind: Clustr'));
    try {
      const r = render();
      expect(r.status).toBe(2);
      expect(existsSync(stampFile())).toBe(false);
    } finally {
      writeFileSync(SPEC, spec);
    }
  });
});
