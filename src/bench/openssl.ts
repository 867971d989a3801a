// The openssl CLI making the same keys and certificates as kspray's PKI (one process per key and per
// signature, as a shell script would): sequentially, and with `parallel` jobs at a time.
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';

export interface PkiCounts {
  keys: number;
  certs: number;
}

/** A bash script (run with its work directory as $1; `openssl` is a path without spaces) making `keys` keys, 3 self-signed CAs and the remaining certificates signed by the first CA. */
export function opensslScript(openssl: string, algorithm: PkiAlgorithm, counts: PkiCounts, parallel: number): string {
  const keyArgs = algorithm.startsWith('RSA')
    ? `-algorithm RSA -pkeyopt rsa_keygen_bits:${algorithm.slice(4)}`
    : `-algorithm EC -pkeyopt ec_paramgen_curve:${algorithm === 'ECDSA-P384' ? 'P-384' : 'P-256'}`;
  const cas = 3;
  const q = (s: string) => `'${s}'`;
  const key = `${openssl} genpkey ${keyArgs} -out k{}.key`;
  const ca = `${openssl} req -x509 -new -key k{}.key -subj /CN=ca-{} -days 3650 -out c{}.crt`;
  const leaf = `${openssl} req -new -key k{}.key -subj /CN=leaf-{} -out r{}.csr && ${openssl} x509 -req -in r{}.csr -CA c0.crt -CAkey k0.key -days 365 -out c{}.crt`;
  // xargs -P runs the jobs `parallel` at a time and waits for them all; -P 1 is the sequential script.
  const each = (from: number, to: number, cmd: string) => `seq ${from} ${to - 1} | xargs -P ${parallel} -I{} sh -c ${q(cmd)}`;
  return ['set -e', 'cd "$1"', each(0, counts.keys, key), each(0, cas, ca), each(cas, counts.certs, leaf), ''].join('\n');
}
