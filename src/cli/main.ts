#!/usr/bin/env node
// The bin. It runs the CLI (cli/program.ts) from the build's bundle, dist/bundle/kspray.cjs (one file
// per lazily loaded command, made by scripts/bundle.mjs), through a V8 code cache (cli/codeCache.ts):
// on Node 20, compiling zod, yaml and our modules file by file was most of `kspray validate`'s start-up.
// Without a current bundle (a build by `tsc` alone, or a `tsc` run after the bundle was made) it runs
// the compiled modules directly: the same program, slower to start, never a stale bundle.
import { createRequire } from 'node:module';
import { chunkLoader, codeCacheDir } from './codeCache.js';

// Builtins through require: cheaper than their ES namespaces (see codeCache.ts).
const require = createRequire(import.meta.url);
const { statSync } = require('node:fs') as typeof import('node:fs');
const { fileURLToPath } = require('node:url') as typeof import('node:url');
const { setFlagsFromString } = require('node:v8') as typeof import('node:v8');

// No optimizing compiler: Sparkplug, V8's baseline compiler, is the top tier. A kspray process runs
// one command, and TurboFan's compiles (on V8's worker threads) cost more CPU than the code they made
// saved: perf put them at ~20% of a cold render of 3 control planes + 1,000 workers. Measured with and
// without (docs/architecture.md, How the CLI starts): that render 1,890 → 1,510 ms of CPU, the HA
// example's 280 → 240, --version and validate unchanged. Set before any chunk is loaded: the code cache
// is made and read under the same flags (V8 rejects a cache made under others).
setFlagsFromString('--max-opt=1');

type Program = typeof import('./program.js');

const bundle = fileURLToPath(new URL('../bundle/kspray.cjs', import.meta.url));

/** The bundle exists and was made from this build (tsc rewrites this file; the bundle is made after). */
function bundleIsCurrent(): boolean {
  try {
    return statSync(bundle).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

const argv = process.argv.slice(2);
if (bundleIsCurrent()) {
  const loader = chunkLoader(codeCacheDir());
  process.once('exit', () => loader.save());
  await (loader.require(bundle) as Program).run(argv);
} else {
  await (await import('./program.js')).run(argv);
}
