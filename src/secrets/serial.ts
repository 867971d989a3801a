// Certificate serial numbers: 16 bytes, positive, and always exactly 16 bytes long in DER.
import { createHash, randomBytes } from 'node:crypto';

/** Top bit cleared keeps the INTEGER positive; the next bit set keeps DER from dropping a leading zero byte. */
function toSerialHex(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.subarray(0, 16));
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b.toString('hex');
}

export function randomSerial(): string {
  return toSerialHex(randomBytes(16));
}

// Must not change: it is hashed into every leaf serial, so changing it changes every rendered
// certificate and breaks byte-identical re-renders of existing clusters.
const SERIAL_DOMAIN = 'kspray/leaf-serial/v1';

/**
 * Serial derived from the bundle's identity, the certificate's name and everything else in its
 * body: re-rendering gives the same serial, while a certificate whose content changes (new SANs,
 * new key) gets a new one, so one issuer never uses one serial for two different certificates.
 */
export function derivedSerial(bundleIdentity: string, name: string, content: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify([SERIAL_DOMAIN, bundleIdentity, name, content])).digest();
  return toSerialHex(digest);
}
