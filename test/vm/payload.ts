// What the test expects on a booted node, computed from kspray's own outputs (never retyped):
// the files of provenance.json with the owner and bytes the payload's write_files give them.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface ProvenanceFile {
  path: string;
  mode: string;
  bytes: number;
  builder: string;
  origin: string;
}

export interface ExpectedFile extends ProvenanceFile {
  owner: string;
  sha256: string;
  content: Buffer;
}

interface WriteFile {
  path: string;
  content?: string;
  encoding?: string;
  owner?: string;
  permissions?: string;
}

/** cloud-init's write_files encodings (cc_write_files: b64/base64, gz/gzip, and both). */
function decode(f: WriteFile): Buffer {
  const enc = (f.encoding ?? 'text/plain').toLowerCase();
  const raw = f.content ?? '';
  if (['gz+b64', 'gzip+base64', 'gz+base64', 'gzip+b64'].includes(enc)) return gunzipSync(Buffer.from(raw, 'base64'));
  if (['b64', 'base64'].includes(enc)) return Buffer.from(raw, 'base64');
  if (['gz', 'gzip'].includes(enc)) return gunzipSync(Buffer.from(raw, 'binary'));
  return Buffer.from(raw, 'utf8');
}

export function cloudConfig(userData: string | Buffer): Record<string, unknown> {
  const text = Buffer.isBuffer(userData) ? (userData[0] === 0x1f && userData[1] === 0x8b ? gunzipSync(userData) : userData).toString('utf8') : userData;
  if (!text.startsWith('#cloud-config')) throw new Error('the VM test reads #cloud-config payloads only');
  return parse(text, { version: '1.1' }) as Record<string, unknown>;
}

/** Every provenance file, with owner and sha256 from the payload's write_files entry of that path. */
export function expectedFiles(provenanceJson: string, userData: string | Buffer): ExpectedFile[] {
  const provenance = JSON.parse(provenanceJson) as { files: ProvenanceFile[] };
  const writeFiles = (cloudConfig(userData).write_files ?? []) as WriteFile[];
  return provenance.files.map((p) => {
    const w = writeFiles.find((f) => f.path === p.path);
    if (!w) throw new Error(`${p.path} is in provenance.json but not in the payload's write_files`);
    const content = decode(w);
    return { ...p, owner: w.owner ?? 'root:root', content, sha256: createHash('sha256').update(content).digest('hex') };
  });
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** name → id from an /etc/passwd or /etc/group read off the guest's disk. */
export function idsOf(file: string): Map<string, number> {
  return new Map(
    file
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => f.length > 2)
      .map((f) => [f[0]!, Number(f[2])]),
  );
}

/** key → value lines of a sysctl.d file (comments and blanks dropped). */
export function sysctlEntries(text: string): Array<[string, string]> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith(';'))
    .map((l) => {
      const i = l.indexOf('=');
      return [l.slice(0, i).trim().replace(/^-/, ''), l.slice(i + 1).trim()] as [string, string];
    });
}

export function moduleNames(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Phase durations from `journalctl -o short-monotonic` lines of the node program's status log. */
export function phaseTimes(journal: string): string[] {
  const started = new Map<string, number>();
  const out: string[] = [];
  for (const line of journal.split('\n')) {
    const m = /^\[\s*([\d.]+)\].*kspray: ([\w.-]+): (running: started|done|failed)/.exec(line);
    if (!m) continue;
    const t = Number(m[1]);
    if (m[3] === 'running: started') started.set(m[2]!, t);
    else if (started.has(m[2]!)) {
      out.push(`${m[2]} ${m[3]} after ${(t - started.get(m[2]!)!).toFixed(1)}s (at +${t.toFixed(1)}s)`);
      started.delete(m[2]!);
    }
  }
  return out;
}
