// The V8 code cache of the bundle's chunks (src/cli/codeCache.ts): used when valid, never able to make a
// run wrong (a changed chunk, a corrupt or foreign cache file), harmless where it cannot be written, and
// whole under concurrent writers. Each check runs the loader in a child process, as the bin does.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { codeCacheDir, STALE_AFTER_MS } from '../src/cli/codeCache.js';
import { repoRoot } from './helpers/fixtures.js';

const loaderUrl = pathToFileURL(join(repoRoot, 'dist', 'cli', 'codeCache.js')).href;

/** A program that loads `main` with the loader (cache in `cacheDir`), prints its value and each outcome, saves at exit. */
function childScript(main: string, cacheDir: string): string[] {
  const code = `
    import { chunkLoader } from ${JSON.stringify(loaderUrl)};
    const loader = chunkLoader(${JSON.stringify(cacheDir)});
    process.once('exit', () => loader.save());
    const value = loader.require(${JSON.stringify(main)}).value();
    console.log(JSON.stringify({ value, outcomes: [...loader.outcomes.values()] }));`;
  return ['--input-type=module', '-e', code];
}

function runLoader(main: string, cacheDir: string): { value: string; outcomes: string[] } {
  const r = spawnSync(process.execPath, childScript(main, cacheDir), { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { value: string; outcomes: string[] };
}

/** Two chunks like the bundle's: an entry that requires a sibling by relative path and a builtin. */
function writeChunks(dir: string, word: string): string {
  writeFileSync(join(dir, 'part.cjs'), `exports.word = () => ${JSON.stringify(word)};\n`);
  writeFileSync(join(dir, 'main.cjs'), `const { word } = require('./part.cjs');\nconst { basename } = require('node:path');\nexports.value = () => word() + ':' + basename(__filename);\n`);
  return join(dir, 'main.cjs');
}

const tmp = () => mkdtempSync(join(tmpdir(), 'kspray-codecache-'));

describe('code cache of the bundle', () => {
  it('misses, then hits, with the same result', () => {
    const dir = tmp();
    const cache = join(dir, 'cache');
    const main = writeChunks(dir, 'one');
    expect(runLoader(main, cache)).toEqual({ value: 'one:main.cjs', outcomes: ['miss', 'miss'] });
    expect(readdirSync(cache).filter((f) => f.endsWith('.v8'))).toHaveLength(2);
    expect(runLoader(main, cache)).toEqual({ value: 'one:main.cjs', outcomes: ['hit', 'hit'] });
  });

  it('never runs the bytecode of a changed chunk, even one of the same length', () => {
    const dir = tmp();
    const cache = join(dir, 'cache');
    const main = writeChunks(dir, 'one');
    runLoader(main, cache);
    // Same path, same length: V8's own check (source length and flags) would accept the old data.
    writeChunks(dir, 'two');
    expect(runLoader(main, cache)).toEqual({ value: 'two:main.cjs', outcomes: ['hit', 'miss'] });
  });

  it('compiles from source when a cache file is corrupt, and replaces it', () => {
    const dir = tmp();
    const cache = join(dir, 'cache');
    const main = writeChunks(dir, 'one');
    runLoader(main, cache);
    for (const f of readdirSync(cache)) writeFileSync(join(cache, f), readFileSync(join(cache, f)).subarray(0, 40));
    expect(runLoader(main, cache)).toEqual({ value: 'one:main.cjs', outcomes: ['rejected', 'rejected'] });
    expect(runLoader(main, cache)).toEqual({ value: 'one:main.cjs', outcomes: ['hit', 'hit'] });
  });

  it('runs unharmed where the cache cannot be written', () => {
    const dir = tmp();
    const main = writeChunks(dir, 'one');
    const readOnly = join(dir, 'ro');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o500);
    const notADir = join(dir, 'file');
    writeFileSync(notADir, '');
    // root writes through mode bits: a path under a regular file fails for everyone.
    for (const cache of [join(readOnly, 'cache'), join(notADir, 'cache')]) {
      const r = spawnSync(process.execPath, childScript(main, cache), { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ value: 'one:main.cjs', outcomes: ['miss', 'miss'] });
    }
  });

  it('leaves whole cache files when processes write it at once', async () => {
    const dir = tmp();
    const cache = join(dir, 'cache');
    const main = writeChunks(dir, 'one');
    const runs = await Promise.all(
      Array.from({ length: 6 }, () => new Promise<number | null>((done) => spawn(process.execPath, childScript(main, cache), { stdio: 'ignore' }).on('close', done))),
    );
    expect(runs).toEqual([0, 0, 0, 0, 0, 0]);
    expect(readdirSync(cache).sort().every((f) => f.endsWith('.v8')), 'no temporary file left').toBe(true);
    expect(runLoader(main, cache)).toEqual({ value: 'one:main.cjs', outcomes: ['hit', 'hit'] });
  });

  it('deletes what no build wrote for a while when it writes, and keeps the rest', () => {
    const dir = tmp();
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    const at = (ms: number) => new Date(Date.now() - ms);
    const old = join(cache, 'old.v8');
    const oldTmp = join(cache, 'old.v8.1.abcd.tmp');
    const recent = join(cache, 'recent.v8');
    const notOurs = join(cache, 'notes.txt');
    for (const f of [old, oldTmp, recent, notOurs]) writeFileSync(f, 'x');
    for (const f of [old, oldTmp, notOurs]) utimesSync(f, at(STALE_AFTER_MS + 60_000), at(STALE_AFTER_MS + 60_000));
    utimesSync(recent, at(STALE_AFTER_MS - 60_000), at(STALE_AFTER_MS - 60_000));
    const main = writeChunks(dir, 'one');
    expect(runLoader(main, cache).outcomes).toEqual(['miss', 'miss']);
    expect([old, oldTmp, recent, notOurs].map(existsSync)).toEqual([false, false, true, true]);
  });

  it('lives in the user cache directory, per V8 version and architecture, or nowhere without a home', () => {
    const sub = join('kspray', 'code-cache', `v8-${process.versions.v8}-${process.arch}`);
    expect(codeCacheDir({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe(join('/c', sub));
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe(join('/h', '.cache', sub));
    expect(codeCacheDir({ HOME: '/h' })).toBe(join('/h', '.cache', sub));
    expect(codeCacheDir({ HOME: 'relative' })).toBeUndefined();
  });
});
