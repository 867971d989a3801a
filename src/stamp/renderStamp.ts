// The render stamp: `kspray render` with nothing changed does no work, the way make, ninja and Bazel
// skip an up-to-date target. Loaded before any render module and importing only node builtins (and
// env.ts): a warm render reads and hashes, and never loads zod, yaml or the PKI libraries.
//
// Why it is correct. render is a pure function of its inputs (DESIGN.md §1: leaf certificates are
// dated from the bundle, never from the clock). After a successful full render the stamp records
//   - the digest of every input that render read: the build (code, node program, data, schema), its
//     dependencies and Node's versions (buildDigest.ts), every command-line option as parsed (all of
//     them, so a new option counts without anyone listing it), the spec's bytes, every file of the
//     secrets bundle (names and bytes), the environment variables the process read (env.ts);
//   - every output it wrote (path, mode, size, sha256) and what it printed.
// The clock is no input: a render reads it only to date what it adds to the bundle (render.ts
// prepareBundle), and a render that added anything writes no stamp (below).
// A later run is answered from the stamp only if the same inputs hash to the same digest and every
// output is on disk as recorded; then a full render would compute the same outputs, find every file
// already written, and print the same text. Anything else (no stamp, a corrupt one, another format,
// an input or output that differs or cannot be read) means a full render, never an error.
// The test that keeps "every input" true: test/stamp/reads.test.ts records every file a real render
// reads and fails on one the stamp does not cover.
// The stamp is written last, after the outputs, and atomically (io/), so an interrupted render leaves
// the previous stamp or none: a previous stamp is then still true (nothing changed, nothing written)
// or fails the check (an input changed, or an output the interrupted render replaced). A render that added files to the bundle
// writes none: the bundle it read is not the one on disk after it; the next render stamps.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envValues } from '../env.js';
import { buildInputs as readBuildInputs, sha256 } from './buildDigest.js';

export { sha256 };

export const STAMP_FORMAT = 1;
/** Where render keeps its stamps, beside the cluster directories (not a cluster name: those start with a letter). */
export const STAMP_DIR = '.kspray';

export type StampOptions = Record<string, string | boolean | null>;

/** What a render read, as digests: the stamp keeps it readable, for people and for the reads test. */
export interface StampInputs {
  build: string;
  dependencies: string;
  runtime: string;
  options: StampOptions;
  spec: { path: string; sha256: string };
  bundle: { dir: string; files: Record<string, string> };
  /** Name → sha256 of the value ('' when unset): values may be credentials, digests are not. */
  env: Record<string, string>;
}

export interface StampedOutput {
  path: string;
  mode: number;
  size: number;
  sha256: string;
}

export interface RenderStamp {
  format: typeof STAMP_FORMAT;
  /** The digest of `read`. */
  inputs: string;
  read: StampInputs;
  clusterDir: string;
  outputs: StampedOutput[];
  stdout: string;
  stderr: string;
}

/**
 * Only a spec in a regular file can be stamped: hashing /dev/stdin or a pipe (`-f <(…)`) would consume
 * the bytes the render then reads.
 */
export function specIsRegularFile(specFile: string): boolean {
  return statSync(specFile, { throwIfNoEntry: false })?.isFile() === true;
}

/**
 * One stamp per spec file and set of options: `render` and `render --output json` (or `--provider aws`)
 * run in turn each keep their own, rather than each replacing the other's.
 */
export function stampPath(specFile: string, outDir: string, options: StampOptions): string {
  return join(outDir, STAMP_DIR, `render-${sha256(JSON.stringify([resolve(specFile), options])).slice(0, 16)}.json`);
}

/** The options as commander parsed them, keys sorted, unset ones null; `cache` (--no-cache) is not an input. */
export function normalizeOptions(opts: Record<string, unknown>): StampOptions {
  const out: StampOptions = {};
  for (const k of Object.keys(opts).sort()) {
    if (k === 'cache') continue;
    const v = opts[k];
    out[k] = typeof v === 'string' || typeof v === 'boolean' ? v : v === undefined ? null : JSON.stringify(v);
  }
  return out;
}

/** Every regular file under the bundle directory (what io's readTree reads), sorted; a symlink or other kind counts by kind. */
export function bundleDigests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && rel === '') return; // no bundle yet
      throw e;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else out[r] = e.isFile() ? sha256(readFileSync(join(d, e.name))) : `not a regular file`;
    }
  };
  walk(dir, '');
  return out;
}

export interface InputsRequest {
  specFile: string;
  clusterDir: string;
  options: StampOptions;
  envNames: readonly string[];
  /** The spec bytes the render read (the full render passes them; the check reads the file). */
  specBytes?: Uint8Array;
  /** Computed once per process: the same for the check and the stamp a full render writes after it. */
  build?: { build: string; dependencies: string; runtime: string };
}

let buildOnce: { build: string; dependencies: string; runtime: string } | undefined;
/** The build's three digests, computed once per process. */
export function buildInputs(): { build: string; dependencies: string; runtime: string } {
  buildOnce ??= readBuildInputs();
  return buildOnce;
}

export function readInputs(r: InputsRequest): StampInputs {
  const bundleDir = join(r.clusterDir, 'secrets');
  const env = envValues(r.envNames);
  return {
    ...(r.build ?? buildInputs()),
    options: r.options,
    spec: { path: resolve(r.specFile), sha256: sha256(r.specBytes ?? readFileSync(r.specFile)) },
    bundle: { dir: resolve(bundleDir), files: bundleDigests(bundleDir) },
    env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : sha256(v)])),
  };
}

/** The digest of everything read: canonical JSON (keys in a fixed order, as built above). */
export function inputsDigest(inputs: StampInputs): string {
  return sha256(JSON.stringify(inputs));
}

export function stampedOutput(path: string, content: string | Uint8Array, mode: number): StampedOutput {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return { path, mode, size: bytes.length, sha256: sha256(bytes) };
}

export function stampText(s: Omit<RenderStamp, 'format' | 'inputs'>): string {
  const stamp: RenderStamp = { format: STAMP_FORMAT, inputs: inputsDigest(s.read), ...s };
  return `${JSON.stringify(stamp, null, 1)}\n`;
}

function isStamp(v: unknown): v is RenderStamp {
  const s = v as RenderStamp;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.format === STAMP_FORMAT &&
    typeof s.inputs === 'string' &&
    typeof s.clusterDir === 'string' &&
    typeof s.stdout === 'string' &&
    typeof s.stderr === 'string' &&
    typeof s.read === 'object' &&
    s.read !== null &&
    typeof s.read.env === 'object' &&
    s.read.env !== null &&
    Array.isArray(s.outputs) &&
    s.outputs.every((o) => typeof o?.path === 'string' && typeof o.mode === 'number' && typeof o.size === 'number' && typeof o.sha256 === 'string')
  );
}

/** The output on disk is a regular file with the recorded mode, size and bytes (what io's writeOutputs leaves alone). */
function outputUnchanged(clusterDir: string, o: StampedOutput): boolean {
  const path = join(clusterDir, ...o.path.split('/'));
  const st = statSync(path);
  if (!st.isFile() || (st.mode & 0o7777) !== o.mode || st.size !== o.size) return false;
  return sha256(readFileSync(path)) === o.sha256;
}

export type WarmResult = { hit: true; stdout: string; stderr: string } | { hit: false; why: string };

/** What a full render would print, when the stamp proves it would change nothing; a miss otherwise, with the reason (for tests). */
export function warmRender(specFile: string, outDir: string, options: StampOptions): WarmResult {
  try {
    let stamp: unknown;
    try {
      stamp = JSON.parse(readFileSync(stampPath(specFile, outDir, options), 'utf8'));
    } catch {
      return { hit: false, why: 'no readable stamp' };
    }
    if (!isStamp(stamp)) return { hit: false, why: 'not a stamp of this format' };
    const read = readInputs({ specFile, clusterDir: stamp.clusterDir, options, envNames: Object.keys(stamp.read.env) });
    if (inputsDigest(read) !== stamp.inputs) return { hit: false, why: 'inputs changed' };
    for (const o of stamp.outputs) if (!outputUnchanged(stamp.clusterDir, o)) return { hit: false, why: `output changed: ${o.path}` };
    return { hit: true, stdout: stamp.stdout, stderr: stamp.stderr };
  } catch (e) {
    return { hit: false, why: `unreadable: ${(e as Error).message}` };
  }
}
