// The loopback server's SigV4 verifier (test/helpers/sigv4.ts) against AWS's own published example
// (the signature test suite's get-vanilla case: key AKIDEXAMPLE, 2015-08-30, us-east-1, "service"),
// so the verifier is checked against AWS, not against the signers it judges; and it must refuse any
// change to what was signed.
import { describe, expect, it } from 'vitest';
import { verifySigV4, type SignedRequest } from '../helpers/sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date(Date.UTC(2015, 7, 30, 12, 36, 0));
const vanilla = (): SignedRequest => ({
  method: 'GET',
  url: '/',
  headers: {
    host: 'example.amazonaws.com',
    'x-amz-date': '20150830T123600Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  body: Buffer.alloc(0),
});
const secretOf = (k: string) => (k === 'AKIDEXAMPLE' ? SECRET : undefined);

describe('SigV4 verification (test server)', () => {
  it("accepts AWS's published get-vanilla example", () => {
    expect(verifySigV4(vanilla(), secretOf, NOW)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service', signedHeaders: ['host', 'x-amz-date'] });
  });

  it.each<[string, (r: SignedRequest) => void, RegExp]>([
    ['another host', (r) => void (r.headers.host = 'example2.amazonaws.com'), /signature does not match/],
    ['another body', (r) => void (r.body = Buffer.from('x')), /signature does not match/],
    ['another path', (r) => void (r.url = '/a'), /signature does not match/],
    ['another method', (r) => void (r.method = 'POST'), /signature does not match/],
    ['another secret', (r) => void (r.headers.authorization = String(r.headers.authorization).replace('AKIDEXAMPLE', 'AKIDOTHER')), /unknown access key/],
    ['host not signed', (r) => void (r.headers.authorization = String(r.headers.authorization).replace('host;x-amz-date', 'x-amz-date')), /host not signed/],
    ['a stale date', (r) => void (r.headers['x-amz-date'] = '20150830T120000Z'), /15 minutes/],
  ])('refuses %s', (_, change, reason) => {
    const r = vanilla();
    change(r);
    const v = verifySigV4(r, secretOf, NOW);
    expect(v.ok).toBe(false);
    expect(v.ok ? '' : v.reason).toMatch(reason);
  });
});
