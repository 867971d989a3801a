// kubeadm bootstrap tokens and the encryption-at-rest key: the bundle's random secrets that are not keys.
import { randomBytes, randomInt } from 'node:crypto';

/** kubeadm's token format (bootstraputil.BootstrapTokenRegexp). */
export const BOOTSTRAP_TOKEN_ID = /^[a-z0-9]{6}$/;
export const BOOTSTRAP_TOKEN_SECRET = /^[a-z0-9]{16}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const ENCRYPTION_KEY_BYTES = 32; // secretbox / aescbc key size

/** randomInt is unbiased (rejection sampling), unlike taking random bytes modulo 36. */
function randomTokenString(length: number): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export function newBootstrapToken(): { id: string; secret: string } {
  return { id: randomTokenString(6), secret: randomTokenString(16) };
}

export function newEncryptionKey(): string {
  return randomBytes(ENCRYPTION_KEY_BYTES).toString('base64');
}

export function isEncryptionKey(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === ENCRYPTION_KEY_BYTES && bytes.toString('base64') === value;
}
