// Reads an archive as the node would unpack it: the real GNU tar with -p (modes kept), then path → mode
// and text. Used by the delivery tests (fetch, aws-secrets-manager, cloud-init pointer) to compare an
// archive's files with what inline delivery writes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export interface UnpackedFile {
  mode: number;
  content: string;
}

export function untar(archive: Buffer): Map<string, UnpackedFile> {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-untar-'));
  try {
    writeFileSync(join(dir, 'a.tar'), archive);
    const root = join(dir, 'root');
    mkdirSync(root);
    execFileSync('tar', ['-xpf', join(dir, 'a.tar'), '-C', root]);
    const out = new Map<string, UnpackedFile>();
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.set(`/${relative(root, p)}`, { mode: statSync(p).mode & 0o7777, content: readFileSync(p, 'utf8') });
      }
    };
    walk(root);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
