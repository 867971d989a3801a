// `kspray render --check`: is every output the render would write already on disk, byte for byte,
// and would the bundle stay as it is? The list of what is not (empty: up to date).
import type { OutputFile } from '../outputFile.js';

export function staleOutputs(files: OutputFile[], read: (relPath: string) => Buffer | undefined, bundleAdditions: string[]): string[] {
  const stale: string[] = [];
  for (const f of files) {
    const old = read(f.relPath);
    if (!old) stale.push(`missing: ${f.relPath}`);
    else if (!old.equals(typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : Buffer.from(f.content))) stale.push(`differs: ${f.relPath}`);
  }
  for (const b of bundleAdditions) stale.push(`bundle would add: secrets/${b}`);
  return stale;
}
