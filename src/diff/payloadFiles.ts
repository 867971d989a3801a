// The files a payload writes on its node, read back from the payload itself (#cloud-config
// write_files, or an Ignition config's storage.files and systemd units): what a node booted from
// an earlier render received, whatever kspray version wrote it. `kspray diff` compares these with a
// new render's plan.
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

export interface NodeFile {
  mode: number;
  content: string;
}

export function payloadFiles(payload: string): Map<string, NodeFile> {
  const text = payload.trimStart();
  return text.startsWith('{') ? ignitionFiles(text) : cloudConfigFiles(text);
}

function cloudConfigFiles(text: string): Map<string, NodeFile> {
  const out = new Map<string, NodeFile>();
  const doc = parse(text, { version: '1.1' }) as { write_files?: Array<{ path: string; content?: string; encoding?: string; permissions?: string }> } | null;
  for (const f of doc?.write_files ?? []) {
    const raw = f.content ?? '';
    const enc = f.encoding ?? 'text/plain';
    const content = /gz/.test(enc) ? gunzipSync(Buffer.from(raw, 'base64')).toString('utf8') : /b64|base64/.test(enc) ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    out.set(f.path, { mode: parseInt(f.permissions ?? '0644', 8), content });
  }
  return out;
}

interface IgnitionDoc {
  storage?: { files?: Array<{ path: string; mode?: number; contents?: { source?: string; compression?: string } }> };
  systemd?: { units?: Array<{ name: string; contents?: string; dropins?: Array<{ name: string; contents?: string }> }> };
}

function ignitionFiles(text: string): Map<string, NodeFile> {
  const out = new Map<string, NodeFile>();
  const doc = JSON.parse(text) as IgnitionDoc;
  for (const f of doc.storage?.files ?? []) {
    out.set(f.path, { mode: f.mode ?? 0o644, content: dataUrlContent(f.contents?.source, f.contents?.compression) });
  }
  for (const u of doc.systemd?.units ?? []) {
    if (u.contents !== undefined) out.set(`/etc/systemd/system/${u.name}`, { mode: 0o644, content: u.contents });
    for (const d of u.dropins ?? []) out.set(`/etc/systemd/system/${u.name}.d/${d.name}`, { mode: 0o644, content: d.contents ?? '' });
  }
  return out;
}

/** A data: URL's text; a remote source (https, s3) is named, not fetched. */
function dataUrlContent(source: string | undefined, compression: string | undefined): string {
  if (!source) return '';
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(source);
  if (!m) return `(fetched at boot from ${source})`;
  const bytes = m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'utf8');
  return (compression === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
}
