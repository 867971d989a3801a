// Leaf certificate renewal without rewriting the bundle. A leaf certificate's dates follow its key's
// createdAt (validity.ts), so renewing means moving that date forward: `kspray certs renew` adds an
// append-only record, secrets/renewals/<time>.json = { renewedAt, names }, and loading the bundle
// dates each named leaf from its latest renewal. The key is kept (as `kubeadm certs renew` keeps
// it), CAs are never touched, and the same bundle files still give byte-identical certificates.
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import type { SecretsBundle } from './types.js';

export const RENEWALS_DIR = 'renewals/';

export interface LeafRenewal {
  renewedAt: Date;
  /** Leaf names as in the bundle ("cp-1/apiserver", "kubeconfig/admin"). */
  names: string[];
}

/** "2026-12-01T08:00:00.000Z" → "renewals/20261201T080000Z.json": sortable, one per second. */
export function renewalFileName(at: Date): string {
  // Stryker disable next-line Regex: toISOString always ends in one ".sssZ", so the $ anchor changes no match.
  return `${RENEWALS_DIR}${at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}.json`;
}

export function renewalToFile(r: LeafRenewal): { relPath: string; content: string; mode: number } {
  const body = { names: [...new Set(r.names)].sort(), renewedAt: r.renewedAt.toISOString(), version: 1 };
  return { relPath: renewalFileName(r.renewedAt), content: `${JSON.stringify(body, null, 2)}\n`, mode: 0o600 };
}

export function readRenewals(files: Map<string, string>, dirForMessages: string): LeafRenewal[] {
  return [...files.keys()]
    .filter((p) => p.startsWith(RENEWALS_DIR) && p.endsWith('.json'))
    .sort()
    .map((p) => {
      const corrupt = (detail: string) => new KsprayError('input', [messages.bundleCorrupt(`${dirForMessages}/${p}`, detail)]);
      let v: Record<string, unknown>;
      try {
        v = JSON.parse(files.get(p)!) as Record<string, unknown>;
      } catch {
        throw corrupt('it is not valid JSON');
      }
      // Stryker disable next-line ConditionalExpression: a non-string never equals its own toISOString() below, so it is refused either way.
      const at = typeof v.renewedAt === 'string' ? new Date(v.renewedAt) : new Date(NaN);
      if (Number.isNaN(at.getTime()) || at.toISOString() !== v.renewedAt) throw corrupt('renewedAt is not an ISO 8601 UTC timestamp');
      if (!Array.isArray(v.names) || !v.names.every((n) => typeof n === 'string')) throw corrupt('names is not a list of leaf names');
      return { renewedAt: at, names: v.names as string[] };
    });
}

/**
 * The bundle with each renewed leaf dated from its latest renewal. In memory only: the leaf key
 * files keep their creation date (bundle files are never rewritten). A renewal never moves a date
 * backwards, and names the bundle has no key for are ignored (a node since removed from the spec).
 */
export function withLeafRenewals(bundle: SecretsBundle, renewals: LeafRenewal[]): SecretsBundle {
  if (renewals.length === 0) return bundle;
  const leafKeys = new Map(bundle.leafKeys);
  for (const r of renewals) {
    for (const name of r.names) {
      const leaf = leafKeys.get(name);
      if (leaf && r.renewedAt > leaf.createdAt) leafKeys.set(name, { ...leaf, createdAt: r.renewedAt });
    }
  }
  return { ...bundle, leafKeys };
}
