// The public key kept from key generation (spkiOfPrivateKey's cache) must be the very DER that reading
// the private key back gives: otherwise a first render and a later one would sign different certificates.
import { describe, expect, it } from 'vitest';
import { derivedSpki, generateKeyPair, generatePrivateKeys, spkiOfPrivateKey } from '../../src/secrets/keys.js';

describe('spkiOfPrivateKey', () => {
  it.each(['ECDSA-P256', 'ECDSA-P384', 'RSA-2048'] as const)('%s: the kept SPKI equals the one derived from the PEM', async (algorithm) => {
    const [pem] = await generatePrivateKeys(algorithm, 1);
    expect(spkiOfPrivateKey(pem!).equals(derivedSpki(pem!))).toBe(true);
    const pair = await generateKeyPair(algorithm);
    expect(spkiOfPrivateKey(pair.privateKey).toString('base64')).toBe(pair.publicKey.replace(/-----[A-Z ]+-----|\n/g, ''));
  });
});
