// Loads the CommonJS chunks of the build's bundle (dist/bundle/, made by scripts/bundle.mjs) with a V8
// code cache, so a process skips parsing and compiling what an earlier process already compiled.
// Measured on the HA example (CPU, vs `node -e 0`): validate from the bundle 2.3×, with the cache 1.7×.
// Node 20 has no built-in compile cache (module.enableCompileCache is Node 22.1+), hence this loader.
//
// The cache is never an output and never makes a run wrong:
// - a cache file is keyed by the sha256 of the chunk's source, its path, and V8's version and the
//   architecture, so a changed chunk never meets the bytecode of another (V8's own check compares only
//   the source's length); V8 rejects data made under other flags or corrupted (`cachedDataRejected`),
//   and the chunk is then compiled from source as if there were no cache;
// - it lives in the user's cache directory ($XDG_CACHE_HOME or ~/.cache, mode 0700), never beside
//   the install, which may be read-only; any failure to read or write it is ignored;
// - it is written at exit, after the run (so it holds the functions the run compiled), to a temporary
//   file renamed into place: concurrent processes each write whole files, the last rename wins;
// - it does not grow without end: a process that writes also deletes what no build wrote for 30 days
//   (every build's chunks have new keys; a file still in use is written again by its next miss).
import { createRequire } from 'node:module';

// Node's builtins through require, not import: an ES import of node:fs or node:crypto builds its whole
// namespace (measured 4–6 ms of CPU each on Node 20, a tenth of `node -e 0`); a require does not.
const require = createRequire(import.meta.url);
const { Module } = require('node:module') as typeof import('node:module');
const { Script } = require('node:vm') as typeof import('node:vm');
const { createHash, randomBytes } = require('node:crypto') as typeof import('node:crypto');
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { homedir } = require('node:os') as typeof import('node:os');
const { dirname, isAbsolute, join, resolve } = require('node:path') as typeof import('node:path');

// require.cache (Node's Module._cache, public under this name): the chunks are modules like any other.
const requireCache = require.cache;

/** What happened to a chunk's cache: used as is, none there, or there and refused by V8. */
export type CacheOutcome = 'hit' | 'miss' | 'rejected';

export interface ChunkLoader {
  /** Loads a bundle chunk (an absolute path) once, like require, and returns its exports. */
  require(file: string): unknown;
  /** Each chunk loaded so far and what happened to its cache. */
  readonly outcomes: ReadonlyMap<string, CacheOutcome>;
  /** Writes the cache of every chunk that had none usable (called at exit; failures are ignored). */
  save(): void;
}

/** Where the cache goes: one folder per V8 version and architecture, or none without a home. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  let base = env.XDG_CACHE_HOME;
  // The XDG spec: a relative $XDG_CACHE_HOME is invalid and ignored.
  if (!base || !isAbsolute(base)) {
    const home = env.HOME ?? safeHomedir();
    if (!home || !isAbsolute(home)) return undefined;
    base = join(home, '.cache');
  }
  return join(base, 'kspray', 'code-cache', `v8-${process.versions.v8}-${process.arch}`);
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch {
    return undefined;
  }
}

/** A chunk loader reading and writing its cache in `cacheDir` (none: compile every chunk from source). */
export function chunkLoader(cacheDir: string | undefined): ChunkLoader {
  const outcomes = new Map<string, CacheOutcome>();
  const toSave: { script: import('node:vm').Script; cacheFile: string }[] = [];

  function load(file: string): unknown {
    const cached = requireCache[file];
    if (cached) return cached.exports;
    const source = readFileSync(file, 'utf8');
    const cacheFile = cacheDir && join(cacheDir, `${createHash('sha256').update(file).update('\0').update(source).digest('hex')}.v8`);
    const data = cacheFile ? readOrUndefined(cacheFile) : undefined;
    // The same wrapper Node's CommonJS loader uses, so the chunk sees what a required file sees.
    const script = new Script(Module.wrap(source), { filename: file, cachedData: data });
    const outcome: CacheOutcome = data === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
    outcomes.set(file, outcome);
    if (cacheFile && outcome !== 'hit') toSave.push({ script, cacheFile });
    // A real Module in require.cache: a chunk required twice (or in a circle) runs once, as with require.
    const module = new Module(file);
    module.filename = file;
    requireCache[file] = module;
    const nodeRequire = createRequire(file);
    // Chunks require each other by relative path; everything else (node: builtins, the packages left
    // outside the bundle) goes to Node's own require, resolved from the chunk's folder.
    const chunkRequire = Object.assign((id: string) => (id.startsWith('./') || id.startsWith('../') ? load(resolve(dirname(file), id)) : nodeRequire(id)), {
      resolve: nodeRequire.resolve,
      cache: requireCache,
    });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    try {
      wrapper.call(module.exports, module.exports, chunkRequire, module, file, dirname(file));
    } catch (e) {
      delete requireCache[file];
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }

  function save(): void {
    if (!cacheDir || toSave.length === 0) return;
    prune(cacheDir);
    for (const { script, cacheFile } of toSave.splice(0)) {
      const tmp = `${cacheFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
      } catch {
        // Only the cache is lost (a read-only or full disk, no home): the run itself is not affected.
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing more to do for a cache
        }
      }
    }
  }

  return { require: load, outcomes, save };
}

/** A cache file unwritten this long is from an old build (or a crashed writer's temporary file). */
export const STALE_AFTER_MS = 30 * 24 * 3600 * 1000;

function prune(dir: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      if (!/\.(v8|tmp)$/.test(name)) continue;
      const file = join(dir, name);
      if (now - statSync(file).mtimeMs > STALE_AFTER_MS) rmSync(file, { force: true });
    }
  } catch {
    // A cache that cannot be listed or pruned is only bigger.
  }
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
