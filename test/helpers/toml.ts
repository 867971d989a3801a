// TOML read back by a real parser: python3's tomllib (Python 3.11+, Debian 12's python3).
import { spawnSync } from 'node:child_process';

/** Parses TOML text; throws with the parser's message on a syntax error. */
export function parseToml(text: string): Record<string, any> {
  const r = spawnSync('python3', ['-c', 'import json,sys,tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`TOML: ${r.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(r.stdout);
}
