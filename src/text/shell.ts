// Text for files the node program sources: POSIX shell quoting and KEY='value' env files.

/** Single-quotes a value for POSIX shells; a ' inside becomes '\'' (close, escaped quote, reopen). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `KEY='value'` lines, in the given order, each value shell-quoted: safe to `source`, never evaluated. */
export function envFile(entries: Array<[key: string, value: string]>): string {
  for (const [key] of entries) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new Error(`envFile: invalid variable name ${JSON.stringify(key)}`);
  }
  return entries.map(([key, value]) => `${key}=${shellQuote(value)}\n`).join('');
}
