// Promise (DESIGN.md §1): every write goes through src/io atomically: temp file, fsync, rename. So a
// reader never sees a partial file, a write that fails (disk full, file size limit, crash) leaves the
// previous file as it was, and the bytes are on disk before the name points at them. Checked on the
// built module and the CLI in child processes, from the outside: a concurrent reader, RLIMIT_FSIZE
// (bash `ulimit -f`) to make writes fail part-way, and strace for the order of fsync and rename (or,
// for a large batch, of the temps' closes, the two syncfs(2) barriers and the renames).
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../helpers/fixtures.js';
import { cliPath } from '../helpers/runCli.js';
import { haveTool, tool } from '../helpers/validators.js';

const FILES_MODULE = join(repoRoot, 'dist', 'io', 'files.js');

/** Runs `writeOutputs(dir, files)` of the built io module in a child: `node writer.mjs DIR SPEC.json`. */
function writerScript(dir: string): string {
  const script = join(dir, 'writer.mjs');
  writeFileSync(
    script,
    `import { writeOutputs } from ${JSON.stringify(FILES_MODULE)};
import { readFileSync, writeFileSync } from 'node:fs';
const [out, plan] = process.argv.slice(2);
const { rounds, files, done } = JSON.parse(readFileSync(plan, 'utf8'));
for (let i = 0; i < rounds; i++) {
  writeOutputs(out, files.map((f) => ({ relPath: f.relPath, mode: f.mode, content: Buffer.alloc(f.sizes[i % f.sizes.length], f.fill[i % f.fill.length]) })));
}
if (done) writeFileSync(done, 'done');
`,
  );
  return script;
}

describe('writes are atomic', () => {
  it('never lets a concurrent reader see a partial file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-atomic-'));
    const out = join(dir, 'out');
    const done = join(dir, 'done');
    // Two versions of different sizes and fill bytes: anything else a reader sees is a torn write.
    const versions = [Buffer.alloc(6 << 20, 0x61), Buffer.alloc(5 << 20, 0x62)];
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ rounds: 24, done, files: [{ relPath: 'nodes/cp-1/user-data', mode: 0o600, sizes: versions.map((v) => v.length), fill: [0x61, 0x62] }] }));
    const child = spawn(process.execPath, [writerScript(dir), out, join(dir, 'plan.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const target = join(out, 'nodes', 'cp-1', 'user-data');
    let reads = 0;
    const torn: string[] = [];
    const deadline = Date.now() + 90_000;
    // Synchronous reads in a tight loop while the child writes; the child's "done" file ends it.
    while (!existsSync(done) && Date.now() < deadline) {
      let buf: Buffer;
      try {
        buf = readFileSync(target);
      } catch {
        continue; // not created yet
      }
      reads++;
      if (!versions.some((v) => v.equals(buf))) torn.push(`${buf.length} bytes, first ${buf[0]}, last ${buf[buf.length - 1]}`);
    }
    expect(await exited, stderr).toBe(0);
    expect(torn.slice(0, 5)).toEqual([]);
    // The reader really overlapped the writes (else this test would prove nothing).
    expect(reads).toBeGreaterThan(24);
  }, 120_000);

  it('leaves the previous file, and nothing else, when a write fails part-way (RLIMIT_FSIZE)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-atomic-'));
    const out = join(dir, 'out');
    const old = Buffer.from('the previous payload\n');
    spawnSync('mkdir', ['-p', join(out, 'nodes')]);
    writeFileSync(join(out, 'nodes', 'user-data'), old, { mode: 0o600 });
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ rounds: 1, files: [{ relPath: 'nodes/user-data', mode: 0o600, sizes: [1 << 20], fill: [0x63] }] }));
    // 64 KiB file size limit: the 1 MiB write fails with EFBIG after 64 KiB (node ignores SIGXFSZ).
    const r = spawnSync('bash', ['-c', 'ulimit -f 64 && exec "$0" "$@"', process.execPath, writerScript(dir), out, join(dir, 'plan.json')], { encoding: 'utf8' });
    expect(r.status, 'the write must fail').not.toBe(0);
    expect(r.stderr).toMatch(/EFBIG|too large/i);
    expect(readFileSync(join(out, 'nodes', 'user-data')).equals(old)).toBe(true);
    expect(readdirSync(join(out, 'nodes'))).toEqual(['user-data']);
  });

  it('leaves a previous render\'s outputs as they were when `kspray render` cannot finish writing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-atomic-cli-'));
    const spec = join(dir, 'cluster.yaml');
    copyFileSync(join(repoRoot, 'examples', 'single', 'cluster.yaml'), spec);
    const first = spawnSync(process.execPath, [cliPath, 'render', '-f', spec, '-o', 'out'], { cwd: dir, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    const payload = join(dir, 'out', 'single', 'nodes', 'cp-1', 'user-data');
    const before = readFileSync(payload);
    // Change what the control plane's payload holds, then render with a limit below its size.
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('version: "1.36.4"', 'version: "1.36.4"\n    clusterDomain: other.local'));
    expect(before.length).toBeGreaterThan(48 * 1024);
    const r = spawnSync('bash', ['-c', 'ulimit -f 48 && exec "$0" "$@"', process.execPath, cliPath, 'render', '-f', spec, '-o', 'out'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).not.toBe(0);
    expect(readFileSync(payload).equals(before), 'cp-1 user-data was damaged').toBe(true);
    expect(readdirSync(join(dir, 'out', 'single', 'nodes', 'cp-1')).sort()).toEqual(['provenance.json', 'user-data', 'user-data.gz']);
  });

  it.runIf(haveTool('strace'))('fsyncs each file before the rename that publishes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-atomic-'));
    const out = join(dir, 'out');
    const log = join(dir, 'strace.log');
    const names = ['admin.conf', 'nodes/cp-1/user-data', 'pki/ca.crt'];
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ rounds: 1, files: names.map((relPath) => ({ relPath, mode: 0o600, sizes: [4096], fill: [0x64] })) }));
    const r = spawnSync(tool('strace'), ['-f', '-qq', '-y', '-o', log, '-e', 'trace=fsync,fdatasync,rename,renameat,renameat2', process.execPath, writerScript(dir), out, join(dir, 'plan.json')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    for (const name of names) {
      const target = join(out, name);
      // rename("…/user-data.tmp-x", "…/user-data") / renameat2(AT_FDCWD, "…", AT_FDCWD, "…", 0)
      const renameAt = lines.findIndex((l) => /\brename(at2?)?\(/.test(l) && l.includes(`"${target}"`) && !/ = -1 /.test(l));
      expect(renameAt, `${name} was not renamed into place`).toBeGreaterThanOrEqual(0);
      const source = /"([^"]+)"/.exec(lines[renameAt]!)![1]!;
      expect(source, `${name} was renamed from itself`).not.toBe(target);
      const synced = lines.slice(0, renameAt).some((l) => /\bf(data)?sync\(\d+<([^>]+)>\)\s+= 0/.exec(l)?.[2] === source);
      expect(synced, `${source} was not fsynced before it became ${name}`).toBe(true);
    }
  });

  it.runIf(haveTool('strace') && haveTool('sync'))('a large batch: every temp closed, then syncfs of the filesystem, then the renames, then syncfs again', () => {
    // 70 files (over BARRIER_MIN_FILES): src/io/syncfs.ts runs coreutils' sync -f, whose syncfs(2)
    // strace -f sees in the child, in order with the writer's closes and renames.
    const dir = mkdtempSync(join(tmpdir(), 'kspray-atomic-'));
    const out = join(dir, 'out');
    const log = join(dir, 'strace.log');
    const names = Array.from({ length: 70 }, (_, i) => `nodes/n${Math.floor(i / 3)}/f${i}`);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ rounds: 1, files: names.map((relPath) => ({ relPath, mode: 0o600, sizes: [4096], fill: [0x64] })) }));
    const r = spawnSync(tool('strace'), ['-f', '-qq', '-y', '-o', log, '-e', 'trace=fsync,fdatasync,syncfs,sync,close,rename,renameat,renameat2', process.execPath, writerScript(dir), out, join(dir, 'plan.json')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: dirname(tool('sync')) },
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(log, 'utf8').split('\n');
    const indexes = (re: RegExp) => lines.flatMap((l, i) => (re.test(l) ? [i] : []));
    const barriers = indexes(/\bsyncfs\(\d+<[^>]*> *\)? *= 0/);
    expect(barriers, 'two syncfs calls that returned 0').toHaveLength(2);
    const closes = indexes(/\bclose\(\d+<[^>]*\.tmp-[^>]*>\) += 0/);
    const renames = indexes(/\brename(at2?)?\(.*\.tmp-.* = 0/);
    expect(closes).toHaveLength(70);
    expect(renames).toHaveLength(70);
    expect(Math.max(...closes), 'a temp closed after the first syncfs').toBeLessThan(barriers[0]!);
    expect(Math.min(...renames), 'a rename before the first syncfs returned').toBeGreaterThan(barriers[0]!);
    expect(Math.max(...renames), 'a rename after the second syncfs').toBeLessThan(barriers[1]!);
    expect(indexes(/\bf(data)?sync\(/), 'fsyncs although the barrier ran').toEqual([]);
  });
});
