// A deterministic ustar (POSIX.1-1988) writer: regular files only, owner root:root (uid/gid 0),
// mtime 0, entries in the order given. The same files always give the same bytes, so an archive can
// be pinned by sha256 in a payload rendered from the same spec and bundle. GNU tar (every cloud-init
// image kspray supports) and busybox tar unpack it; `tar -xpf` keeps the modes.
// No directory entries: extracting one would re-mode an existing directory (e.g. /etc) on the node.

const BLOCK = 512;

export interface TarEntry {
  /** Relative path inside the archive ("etc/kubernetes/pki/ca.key"), no leading slash. */
  path: string;
  content: Buffer | string;
  mode: number;
}

/** Octal field of `width` bytes: digits padded with zeros, then a NUL. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

/** ustar splits a long path at a slash into prefix (≤155 bytes) and name (≤100 bytes). */
function splitPath(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length) return { name, prefix };
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function header(e: TarEntry, size: number): Buffer {
  if (e.path.startsWith('/') || e.path.split('/').some((p) => p === '..' || p === '.' || p === '')) throw new Error(`tar: not a normalized relative path: ${e.path}`);
  const h = Buffer.alloc(BLOCK, 0);
  const put = (offset: number, text: string) => h.write(text, offset, 'utf8');
  const { name, prefix } = splitPath(e.path);
  put(0, name);
  put(100, octal(e.mode & 0o7777, 8));
  put(108, octal(0, 8)); // uid
  put(116, octal(0, 8)); // gid
  put(124, octal(size, 12));
  put(136, octal(0, 12)); // mtime: 1970, not the render time (determinism)
  put(148, '        '); // checksum counts as spaces while it is computed
  put(156, '0'); // regular file
  put(257, 'ustar\0');
  put(263, '00');
  put(265, 'root');
  put(297, 'root');
  put(329, octal(0, 8));
  put(337, octal(0, 8));
  put(345, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content, 'utf8');
    parts.push(header(e, data.length), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0)); // end of archive
  return Buffer.concat(parts);
}
