// "Every input the render read" is what makes the stamp right (src/stamp/renderStamp.ts). Here a
// real render of the HA example runs in-process with node:fs's readers wrapped (as test/io/syscalls
// does) and process.env behind a recording proxy; every file it read must be one the stamp it wrote
// covers (the spec, the bundle, its own outputs, the build), and every environment variable read from
// kspray's code must be one the stamp lists. A new read (a file a builder opens, a variable read
// without env.ts) fails here until the stamp covers it.
import fs, { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exampleFile, repoRoot } from '../helpers/fixtures.js';
import { BUILD_ROOTS, PACKAGE_ROOT } from '../../src/stamp/buildDigest.js';
import { STAMP_DIR, stampPath, type RenderStamp } from '../../src/stamp/renderStamp.js';
import { isTempName } from '../../src/io/tempFiles.js';

const READERS = ['readFileSync', 'readdirSync', 'statSync', 'lstatSync', 'existsSync', 'openSync', 'opendirSync', 'accessSync', 'realpathSync', 'readlinkSync'] as const;
const work = mkdtempSync(join(tmpdir(), 'kspray-reads-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const asPath = (p: unknown): string | undefined =>
  typeof p === 'string' ? resolve(p) : p instanceof URL ? fileURLToPath(p) : Buffer.isBuffer(p) ? resolve(p.toString()) : undefined;

/** Runs `f` with every fs read (path) and every process.env read from src/ (name) recorded. */
async function recording(f: () => Promise<void>): Promise<{ files: Set<string>; env: Set<string>; published: string[] }> {
  const files = new Set<string>();
  const env = new Set<string>();
  const published: string[] = [];
  const saved = new Map<string, unknown>();
  for (const name of ['renameSync', 'linkSync'] as const) {
    const real = fs[name] as (a: fs.PathLike, b: fs.PathLike) => void;
    saved.set(name, real);
    (fs as unknown as Record<string, unknown>)[name] = (a: fs.PathLike, b: fs.PathLike) => {
      published.push(asPath(b)!);
      return real(a, b);
    };
  }
  for (const name of READERS) {
    const real = (fs as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
    saved.set(name, real);
    (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      // openSync for writing is not a read (flags 'w', 'wx', 'a'...); 'r' and the default are.
      if (name !== 'openSync' || args[1] === undefined || args[1] === 'r') {
        const p = asPath(args[0]);
        if (p !== undefined) files.add(p);
      }
      return real(...args);
    };
  }
  syncBuiltinESMExports();
  const realEnv = process.env;
  const srcDir = join(repoRoot, 'src') + sep;
  process.env = new Proxy(realEnv, {
    get(target, prop, receiver) {
      // Who is reading: the first stack frame outside this file; only kspray's own code counts
      // (Node and vitest read their own variables, which are no input of a render).
      const frame = new Error().stack!.split('\n').slice(2).find((l) => !l.includes('reads.test.ts'));
      if (typeof prop === 'string' && frame?.includes(srcDir)) env.add(`${prop} (${frame.trim()})`);
      return Reflect.get(target, prop, receiver);
    },
  });
  try {
    await f();
  } finally {
    process.env = realEnv;
    for (const [name, real] of saved) (fs as unknown as Record<string, unknown>)[name] = real;
    syncBuiltinESMExports();
  }
  return { files, env, published };
}

async function renderInProcess(spec: string, out: string): Promise<void> {
  const program = new Command('kspray').exitOverride();
  (await import('../../src/cli/commands/render.js')).register(program);
  await program.parseAsync(['render', '-f', spec, '-o', out], { from: 'user' });
}

/** Why the stamp covers `path`, or undefined when it does not. */
function coveredBy(stamp: RenderStamp, out: string, path: string): string | undefined {
  const under = (dir: string) => path === dir || path.startsWith(dir + sep);
  if (path === stamp.read.spec.path) return 'spec';
  if (under(stamp.read.bundle.dir)) return 'bundle';
  const outputs = stamp.outputs.map((o) => join(stamp.clusterDir, ...o.path.split('/')));
  if (outputs.includes(path)) return 'output';
  // A directory of outputs (listed for stale temps, fsynced after renames): its files are the outputs.
  if (outputs.some((o) => o.startsWith(path + sep)) || path === resolve(out)) return 'output directory';
  if (under(join(resolve(out), STAMP_DIR))) return 'the stamps and their .gitignore';
  // syncDir opens a directory read-only to fsync it, e.g. the temp a new bundle is built in: written, not read.
  if (path.split(sep).some(isTempName)) return 'a temp of its own writes';
  if (BUILD_ROOTS.some((r) => under(join(PACKAGE_ROOT, r)))) return 'build';
  if (under(join(PACKAGE_ROOT, 'node_modules'))) return 'dependencies';
  return undefined;
}

describe('the stamp covers every read of a render', () => {
  it('every file a render of the HA example reads, and every variable it reads, is an input or output of its stamp', async () => {
    const spec = join(work, 'cluster.yaml');
    const out = join(work, 'out');
    copyFileSync(exampleFile('ha'), spec);
    const quiet = [vi.spyOn(process.stderr, 'write').mockImplementation(() => true), vi.spyOn(process.stdout, 'write').mockImplementation(() => true)];
    let reads: Awaited<ReturnType<typeof recording>>;
    try {
      // Both renders recorded: the first creates the bundle (and stamps nothing), the second, of a changed
      // spec, rewrites outputs and stamps; the modules' one-time reads (data/, node/) happen in the first.
      reads = await recording(async () => {
        await renderInProcess(spec, out);
        writeFileSync(spec, readFileSync(spec, 'utf8').replace('proxyMode: ipvs', 'proxyMode: iptables'));
        await renderInProcess(spec, out);
      });
    } finally {
      for (const s of quiet) s.mockRestore();
    }
    const stamp = JSON.parse(readFileSync(stampPath(spec, out, { file: spec, out, output: 'text' }), 'utf8')) as RenderStamp;
    // The stamp is published last, after the outputs it records: a render killed before has none.
    expect(reads.published.at(-1)).toBe(stampPath(spec, out, { file: spec, out, output: 'text' }));
    expect(reads.published.filter((p) => p === stampPath(spec, out, { file: spec, out, output: 'text' }))).toHaveLength(1);
    expect(reads.published.filter((p) => p.startsWith(stamp.clusterDir + sep + 'nodes')).length).toBeGreaterThan(0);
    const uncovered = [...reads.files].filter((p) => coveredBy(stamp, out, p) === undefined);
    expect(uncovered).toEqual([]);
    // The reads this test is about did happen (a recorder that saw nothing would pass the line above).
    const kinds = new Set([...reads.files].map((p) => coveredBy(stamp, out, p)));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['build', 'bundle', 'output', 'spec']));
    expect([...reads.files]).toContain(join(PACKAGE_ROOT, 'data', 'kubespray', 'kubespray.json'));
    // Variables: none is read outside env.ts, and those read through it are in the stamp.
    const names = Object.keys(stamp.read.env);
    const unlisted = [...reads.env].filter((r) => !r.includes(`${sep}src${sep}env.ts`) || !names.includes(r.split(' ')[0]!));
    expect(unlisted).toEqual([]);
  });

  it('no process.env outside src/env.ts: every variable kspray reads is recorded', () => {
    const offenders: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && p !== join(repoRoot, 'src', 'env.ts') && readFileSync(p, 'utf8').includes('process.env')) offenders.push(p.slice(repoRoot.length));
      }
    };
    walk(join(repoRoot, 'src'));
    expect(offenders).toEqual([]);
  });
});
