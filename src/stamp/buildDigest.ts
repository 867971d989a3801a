// What the running kspray is made of, as digests: a render's output depends on its code and data as
// much as on the spec, so the render stamp (renderStamp.ts) counts the build among its inputs.
//
// - The package: every file of the code directory (dist/, or src/ when run from sources), node/,
//   data/, schema/ and package.json. Hashed at build time by scripts/postbuild.mjs into
//   dist/build-digest.json with each file's size and mtime; at run time a walk with stat (~1 ms for
//   ~250 files) confirms the listing is the same, and anything else (a file added, edited, touched, an
//   install that reset mtimes) hashes the contents again (~10 ms), so the digest is always of the
//   bytes on disk, never of a listing that merely looks alike.
// - The dependencies: each package of the runtime closure found the way Node resolves it, by name,
//   place and package.json bytes (an install or upgrade rewrites package.json). A hand edit inside
//   node_modules that leaves package.json alone is not seen: `render --no-cache` is for that.
// - The runtime: Node's version and those of its bundled libraries (zlib's gzip bytes are output).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ when built, src/ under vitest: the code that is running. */
export const CODE_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const PACKAGE_ROOT = dirname(CODE_DIR);
export const BUILD_DIGEST_FILE = join(CODE_DIR, 'build-digest.json');
/** What the package ships (package.json "files") and what the code reads at run time. */
export const BUILD_ROOTS: readonly string[] = [basename(CODE_DIR), 'node', 'data', 'schema', 'package.json'];

export const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** [path under the package, size, mtimeMs, executable] of every file of the build, sorted by path. */
type Listed = [string, number, number, boolean];

function listBuild(root = PACKAGE_ROOT): Listed[] {
  const out: Listed[] = [];
  const visit = (rel: string) => {
    const full = join(root, rel);
    const st = statSync(full);
    if (st.isDirectory()) {
      for (const name of readdirSync(full).sort()) visit(`${rel}/${name}`);
    } else if (rel !== `${basename(CODE_DIR)}/build-digest.json`) {
      out.push([rel, st.size, st.mtimeMs, (st.mode & 0o111) !== 0]);
    }
  };
  for (const r of BUILD_ROOTS) visit(r);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function hashBuild(listed: Listed[], root = PACKAGE_ROOT): string {
  const h = createHash('sha256');
  for (const [rel, , , exec] of listed) h.update(`${rel}\0${exec ? 'x' : '-'}\0${sha256(readFileSync(join(root, rel)))}\n`);
  return h.digest('hex');
}

export interface BuildRecord {
  format: 1;
  digest: string;
  files: Listed[];
}

/** What scripts/postbuild.mjs writes into dist/build-digest.json. */
export function recordBuild(root = PACKAGE_ROOT): BuildRecord {
  const files = listBuild(root);
  return { format: 1, digest: hashBuild(files, root), files };
}

/** The content digest of the build on disk now: the recorded one when the listing is unchanged. */
export function buildDigest(): string {
  const listed = listBuild();
  let recorded: BuildRecord | undefined;
  try {
    recorded = JSON.parse(readFileSync(BUILD_DIGEST_FILE, 'utf8')) as BuildRecord;
  } catch {
    recorded = undefined; // running from sources, or a build without the record: hash it all
  }
  if (recorded?.format === 1 && typeof recorded.digest === 'string' && JSON.stringify(recorded.files) === JSON.stringify(listed)) return recorded.digest;
  return hashBuild(listed);
}

/** The runtime dependency closure: name, place (relative to the package) and package.json digest of each. */
export function dependencyDigest(root = PACKAGE_ROOT): string {
  const seen = new Map<string, string>();
  const find = (name: string, from: string): string | undefined => {
    for (let d = from; ; d = dirname(d)) {
      const dir = join(d, 'node_modules', name);
      try {
        if (statSync(join(dir, 'package.json')).isFile()) return dir;
      } catch {
        // not here: one level up, as Node looks
      }
      if (dirname(d) === d) return undefined;
    }
  };
  const visit = (dir: string, manifest: Buffer) => {
    const deps = (JSON.parse(manifest.toString('utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const name of Object.keys(deps).sort()) {
      const found = find(name, dir);
      // A missing dependency would fail the render's import; recorded as missing, it still changes the digest.
      const key = `${name}\0${found === undefined ? '-' : found.slice(root.length)}`;
      if (seen.has(key)) continue;
      if (found === undefined) {
        seen.set(key, 'missing');
        continue;
      }
      const bytes = readFileSync(join(found, 'package.json'));
      seen.set(key, sha256(bytes));
      visit(found, bytes);
    }
  };
  visit(root, readFileSync(join(root, 'package.json')));
  return sha256([...seen].sort().map(([k, v]) => `${k}\0${v}`).join('\n'));
}

/** Node and the libraries built into it (zlib, OpenSSL, V8, ICU): their bytes can reach the outputs. */
export function runtimeDigest(): string {
  return sha256(JSON.stringify({ arch: process.arch, platform: process.platform, versions: process.versions }));
}
