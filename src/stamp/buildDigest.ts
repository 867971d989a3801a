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

/** [path, size, mtimeMs] of each dependency manifest read (and npm's hidden lockfile): stat alone tells they are unchanged. */
type Seen = [string, number, number];

export interface BuildRecord {
  format: 2;
  digest: string;
  files: Listed[];
  dependencies: { digest: string; files: Seen[] };
}

/** What scripts/postbuild.mjs writes into dist/build-digest.json. */
export function recordBuild(root = PACKAGE_ROOT): BuildRecord {
  const files = listBuild(root);
  return { format: 2, digest: hashBuild(files, root), files, dependencies: readDependencies(root) };
}

function readRecord(): BuildRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(BUILD_DIGEST_FILE, 'utf8')) as BuildRecord;
    return r.format === 2 && typeof r.digest === 'string' && Array.isArray(r.files) && typeof r.dependencies?.digest === 'string' ? r : undefined;
  } catch {
    return undefined; // running from sources, or a build without the record: hash it all
  }
}

/** The content digest of the build on disk now: the recorded one when the listing is unchanged. */
export function buildDigest(recorded = readRecord()): string {
  const listed = listBuild();
  if (recorded && JSON.stringify(recorded.files) === JSON.stringify(listed)) return recorded.digest;
  return hashBuild(listed);
}

/** The dependencies' digest now: the recorded one when every manifest read for it (and npm's lockfile) is unchanged. */
export function dependencyDigest(recorded = readRecord(), root = PACKAGE_ROOT): string {
  const unchanged = (files: Seen[]) =>
    files.every(([path, size, mtimeMs]) => {
      const st = statSync(join(root, path), { throwIfNoEntry: false });
      return st !== undefined && st.size === size && st.mtimeMs === mtimeMs;
    });
  if (recorded && unchanged(recorded.dependencies.files)) return recorded.dependencies.digest;
  return readDependencies(root).digest;
}

/** The three build digests, reading the build record once. */
export function buildInputs(): { build: string; dependencies: string; runtime: string } {
  const recorded = readRecord();
  return { build: buildDigest(recorded), dependencies: dependencyDigest(recorded), runtime: runtimeDigest() };
}

/** The runtime dependency closure: name, place (relative to the package) and package.json digest of each; the manifests read. */
function readDependencies(root: string): { digest: string; files: Seen[] } {
  const files: Seen[] = [];
  const manifests = new Map<string, Buffer | undefined>(); // package.json path → bytes (undefined: none there)
  const manifest = (dir: string) => {
    const path = join(dir, 'package.json');
    if (!manifests.has(path)) {
      // Not here: one level up, as Node looks (a stat that does not throw: most lookups miss).
      const st = statSync(path, { throwIfNoEntry: false });
      manifests.set(path, st?.isFile() ? readFileSync(path) : undefined);
      if (st?.isFile()) files.push([path.slice(root.length + 1), st.size, st.mtimeMs]);
    }
    return manifests.get(path);
  };
  const find = (name: string, from: string): string | undefined => {
    for (let d = from; ; d = dirname(d)) {
      if (basename(d) !== 'node_modules' && manifest(join(d, 'node_modules', name)) !== undefined) return join(d, 'node_modules', name);
      if (dirname(d) === d) return undefined;
    }
  };
  const seen = new Map<string, string>();
  const visit = (dir: string, bytes: Buffer) => {
    const deps = (JSON.parse(bytes.toString('utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const name of Object.keys(deps).sort()) {
      const found = find(name, dir);
      // A missing dependency would fail the render's import; recorded as missing, it still changes the digest.
      const key = `${name}\0${found === undefined ? '-' : found.slice(root.length)}`;
      if (seen.has(key)) continue;
      const own = found === undefined ? undefined : manifest(found)!;
      seen.set(key, own === undefined ? 'missing' : sha256(own));
      if (own !== undefined) visit(found!, own);
    }
  };
  visit(root, readFileSync(join(root, 'package.json')));
  // npm rewrites its hidden lockfile on every change to node_modules (a nested copy that now shadows a
  // hoisted one included); its stat is part of the quick check, its bytes are not output.
  const lock = statSync(join(root, 'node_modules', '.package-lock.json'), { throwIfNoEntry: false });
  if (lock) files.push(['node_modules/.package-lock.json', lock.size, lock.mtimeMs]);
  return { digest: sha256([...seen].sort().map(([k, v]) => `${k}\0${v}`).join('\n')), files };
}

/** Node and the libraries built into it (zlib, OpenSSL, V8, ICU): their bytes can reach the outputs. */
export function runtimeDigest(): string {
  return sha256(JSON.stringify({ arch: process.arch, platform: process.platform, versions: process.versions }));
}
