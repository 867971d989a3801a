// Bootstrap tokens minted after the bundle was created (kspray scale), append-only like the rest of
// the bundle: the first token lives in bundle.json; each minted one is a new file
// tokens/<id>.json (never rewritten) and the newest is current, for every payload rendered from then on.
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { BOOTSTRAP_TOKEN_ID as TOKEN_ID, BOOTSTRAP_TOKEN_SECRET as TOKEN_SECRET } from './token.js';

export const TOKENS_DIR = 'tokens/';

export interface BootstrapToken {
  id: string;
  secret: string;
  /** When its lifetime starts (a lower bound for the bundle's first token). */
  createdAt: Date;
  /** kubeadm duration; "0s" never expires. */
  ttl: string;
}

/** kubeadm/Go durations as the spec allows them: "24h", "1h30m", "90m", "0s". */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** undefined: never expires. */
export function tokenExpiresAt(token: BootstrapToken): Date | undefined {
  const ms = parseDuration(token.ttl);
  if (ms === undefined) throw new Error(`scale: bad token ttl "${token.ttl}"`);
  return ms === 0 ? undefined : new Date(token.createdAt.getTime() + ms);
}

export function tokenFileName(id: string): string {
  return `${TOKENS_DIR}${id}.json`;
}

export function tokenToFile(token: BootstrapToken): { relPath: string; content: string; mode: number } {
  const body = { createdAt: token.createdAt.toISOString(), id: token.id, secret: token.secret, ttl: token.ttl, version: 1 };
  return { relPath: tokenFileName(token.id), content: `${JSON.stringify(body, null, 2)}\n`, mode: 0o600 };
}

/**
 * The current token: the newest of secrets/tokens/*.json, else the bundle's first one (bundle.json,
 * dated by the bundle, with the spec's ttl). Corrupt token files are input errors, like any bundle file.
 */
export function currentToken(
  files: Map<string, string>,
  first: { id: string; secret: string },
  bundleCreatedAt: Date,
  ttl: string,
  dirForMessages: string,
): BootstrapToken {
  const minted = mintedTokens(files, dirForMessages);
  return minted.at(-1) ?? { ...first, createdAt: bundleCreatedAt, ttl };
}

/** Minted tokens, oldest first. Corrupt token files are input errors, like any bundle file. */
function mintedTokens(files: Map<string, string>, dirForMessages: string): BootstrapToken[] {
  const minted = [...files.keys()]
    .filter((p) => p.startsWith(TOKENS_DIR) && p.endsWith('.json'))
    .map((p) => readTokenFile(p, files.get(p)!, dirForMessages));
  // Stryker disable next-line EqualityOperator: two minted tokens never share an id (it is their file name), so < and <= order them alike.
  return minted.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
}

function readTokenFile(relPath: string, text: string, dir: string): BootstrapToken {
  const corrupt = (detail: string) => new KsprayError('input', [messages.bundleCorrupt(`${dir}/${relPath}`, detail)]);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw corrupt('it is not valid JSON');
  }
  if (typeof v.id !== 'string' || !TOKEN_ID.test(v.id) || typeof v.secret !== 'string' || !TOKEN_SECRET.test(v.secret)) {
    throw corrupt('the token is not in kubeadm format ([a-z0-9]{6}.[a-z0-9]{16})');
  }
  if (relPath !== tokenFileName(v.id)) throw corrupt(`its id ${v.id} does not match the file name`);
  // Stryker disable next-line ConditionalExpression: a non-string never equals its own toISOString() below, so it is refused either way.
  const createdAt = typeof v.createdAt === 'string' ? new Date(v.createdAt) : new Date(NaN);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== v.createdAt) throw corrupt('createdAt is not an ISO 8601 UTC timestamp');
  if (typeof v.ttl !== 'string' || parseDuration(v.ttl) === undefined) throw corrupt('ttl is not a duration like 24h');
  return { id: v.id, secret: v.secret, createdAt, ttl: v.ttl };
}

/** The newest minted token, if any: what payloads rendered from now on must carry. */
export function newestMintedToken(files: Map<string, string>, dirForMessages: string): BootstrapToken | undefined {
  return mintedTokens(files, dirForMessages).at(-1);
}
