// PEM written one way everywhere (64-column base64, LF, trailing newline) so outputs are
// byte-stable across platforms and libraries.
export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER of the first PEM block with this label; undefined when there is none. */
export function pemToDer(pem: string, label: string): Buffer | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----\\r?\\n([A-Za-z0-9+/=\\r\\n]+?)-----END ${label}-----`).exec(pem);
  // Stryker disable next-line Regex: with the g flag, removing runs of whitespace or each whitespace character gives the same string.
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}
