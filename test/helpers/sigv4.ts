// AWS Signature Version 4 verification for the loopback AWS server, written from the AWS spec
// ("Create a signed AWS API request": canonical request → string to sign → HMAC chain), not from
// any signer's code. It checks what a real service checks that matters here: the credential scope,
// the signed headers (host and x-amz-date among them), the date's freshness, the payload hash and
// the signature itself, computed with the secret the server knows for the access key.
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  method: string;
  /** Path and query as on the wire, e.g. "/" or "/a/b?x=1". */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Verdict =
  | { ok: true; accessKeyId: string; region: string; service: string; signedHeaders: string[] }
  | { ok: false; reason: string };

const sha256hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 defines it: every byte but A-Z a-z 0-9 - _ . ~ as %XX (uppercase hex). */
export const uriEncode = (s: string): string =>
  Array.from(Buffer.from(s, 'utf8'))
    .map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');

/** The canonical request of the spec's step 1 (non-S3 services: each path segment encoded again). */
export function canonicalRequest(req: SignedRequest, signedHeaders: string[]): string {
  const [rawPath = '/', rawQuery = ''] = req.url.split('?', 2);
  const path = rawPath.split('/').map((seg) => uriEncode(seg)).join('/') || '/';
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((kv) => {
      const [k = '', v = ''] = kv.split('=', 2);
      return [uriEncode(decodeURIComponent(k.replace(/\+/g, ' '))), uriEncode(decodeURIComponent(v.replace(/\+/g, ' ')))] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : 1) : ak < bk ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.map((h) => {
    const v = req.headers[h];
    const value = (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
    return `${h}:${value}\n`;
  });
  return [req.method, path, query, headers.join(''), signedHeaders.join(';'), sha256hex(req.body)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Verifies the Authorization header of `req`; `secretOf` gives the secret access key of a key id (undefined: unknown key). */
export function verifySigV4(req: SignedRequest, secretOf: (accessKeyId: string) => string | undefined, now = new Date()): Verdict {
  const auth = String(req.headers.authorization ?? '');
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, reason: `malformed Authorization header: ${auth.slice(0, 60)}` };
  const [, accessKeyId, scopeDate, region, service, signed, signature] = m as unknown as string[];
  const signedHeaders = signed!.split(';');
  if ([...signedHeaders].sort().join(';') !== signed) return { ok: false, reason: 'SignedHeaders not sorted' };
  for (const required of ['host', 'x-amz-date']) if (!signedHeaders.includes(required)) return { ok: false, reason: `${required} not signed` };
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) return { ok: false, reason: `bad x-amz-date ${amzDate}` };
  if (amzDate.slice(0, 8) !== scopeDate) return { ok: false, reason: 'credential scope date is not the x-amz-date day' };
  const when = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(now.getTime() - when) > 15 * 60_000) return { ok: false, reason: 'request time more than 15 minutes off' };
  const declared = req.headers['x-amz-content-sha256'];
  if (typeof declared === 'string' && declared !== sha256hex(req.body)) return { ok: false, reason: 'x-amz-content-sha256 is not the body hash' };
  const secret = secretOf(accessKeyId!);
  if (secret === undefined) return { ok: false, reason: `unknown access key ${accessKeyId}` };
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest(req, signedHeaders))].join('\n');
  const expected = hmac(signingKey(secret, scopeDate!, region!, service!), stringToSign).toString('hex');
  if (expected !== signature) return { ok: false, reason: 'signature does not match' };
  return { ok: true, accessKeyId: accessKeyId!, region: region!, service: service!, signedHeaders };
}
