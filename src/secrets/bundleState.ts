// Is there a bundle in secrets/? A new bundle is created as a whole directory (io/files.ts
// createDirectoryAtomically), so today secrets/ either holds a complete bundle or does not exist.
// Releases before that linked a new bundle's files one by one: a first render killed (or out of
// space) midway left some of them, and every later render called that "corrupt, restore from
// backup" for a bundle that never existed complete. Such a leftover is recognised here; anything
// else that is damaged stays "corrupt" (bundleFiles.ts), because a bundle that was complete once
// may have signed certificates that nodes still hold.
import { CORE_FILES } from './bundleFiles.js';

export type BundleState = 'absent' | 'incomplete' | 'present';

/**
 * `renderedBefore`: the cluster directory holds outputs of a render (pki/ca.crt), which only a
 * complete bundle can have produced; then nothing is treated as incomplete.
 */
export function bundleState(files: Map<string, string> | undefined, renderedBefore: boolean): BundleState {
  if (files === undefined || files.size === 0) return 'absent';
  const names = [...files.keys()];
  if (names.length >= CORE_FILES.length || renderedBefore) return 'present';
  // An interrupted creation: exactly the first n core files (n < all of them) and nothing else.
  const prefix = CORE_FILES.slice(0, names.length);
  return names.every((n) => prefix.includes(n)) ? 'incomplete' : 'present';
}
