// What a whole process of the CLI loaded, read from the lines test/helpers/loadedModules.mjs prints
// ("LOADED <url>", preload it with `node --import`). A chunk of the build's bundle (dist/bundle/)
// stands for the source modules the build put in it (dist/bundle/modules.json), so tests name
// modules the same way whether the CLI ran from the bundle or from the compiled files.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './fixtures.js';

export const LOADED_HOOK = join(repoRoot, 'test', 'helpers', 'loadedModules.mjs');

export interface Loaded {
  /** The bundle chunks loaded (file names under dist/bundle/). */
  chunks: string[];
  /** Every module, as a path under `packageRoot` ("dist/render.js", "node_modules/zod/…"). */
  modules: string[];
  /** stderr without the hook's lines. */
  stderr: string;
}

export function loadedModules(stderr: string, packageRoot = repoRoot): Loaded {
  const bundleDir = join(packageRoot, 'dist', 'bundle');
  const lines = stderr.split('\n');
  const files = lines.filter((l) => l.startsWith('LOADED file://')).map((l) => fileURLToPath(l.slice('LOADED '.length)));
  const chunks = [...new Set(files.filter((f) => f.startsWith(`${bundleDir}/`)).map((f) => f.slice(bundleDir.length + 1)))];
  const inChunk = chunks.length ? (JSON.parse(readFileSync(join(bundleDir, 'modules.json'), 'utf8')) as Record<string, string[]>) : {};
  const modules = files
    .filter((f) => !f.startsWith(`${bundleDir}/`))
    .map((f) => relative(packageRoot, f))
    .concat(chunks.flatMap((c) => inChunk[c] ?? [`unknown chunk ${c}`]));
  return { chunks, modules: [...new Set(modules)], stderr: lines.filter((l) => !l.startsWith('LOADED ')).join('\n') };
}
