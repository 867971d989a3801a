// The key-generation floor: a node process generating `count` key pairs with WebCrypto, all at once
// (as kspray does), exporting nothing. Prints the CPU of the loop alone as JSON.
import { webcrypto } from 'node:crypto';

const [algorithm, countArg] = process.argv.slice(2);
const count = Number(countArg);
const params = algorithm!.startsWith('RSA')
  ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: Number(algorithm!.slice(4)), publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
  : { name: 'ECDSA', namedCurve: algorithm === 'ECDSA-P384' ? 'P-384' : 'P-256' };
const c0 = process.cpuUsage();
await Promise.all(Array.from({ length: count }, () => webcrypto.subtle.generateKey(params, true, ['sign', 'verify'])));
const c = process.cpuUsage(c0);
process.stdout.write(`${JSON.stringify({ stageCpuMs: Math.round((c.user + c.system) / 1000) })}\n`);
