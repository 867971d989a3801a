// The bundle as every command uses it: bundle.json and its files, plus the append-only additions
// made after creation: leaf renewals (renewals.ts, `kspray certs renew`) and minted bootstrap tokens
// (tokens.ts, `kspray scale`). Applied in memory only; no bundle file is ever rewritten.
import { bundleFromFiles } from './bundleFiles.js';
import { readRenewals, withLeafRenewals } from './renewals.js';
import { newestMintedToken } from './tokens.js';
import type { SecretsBundle } from './types.js';

export function loadBundle(files: Map<string, string>, dirForMessages: string): SecretsBundle {
  const bundle = withLeafRenewals(bundleFromFiles(files, dirForMessages), readRenewals(files, dirForMessages));
  const minted = newestMintedToken(files, dirForMessages);
  return minted ? { ...bundle, bootstrapToken: { id: minted.id, secret: minted.secret } } : bundle;
}
