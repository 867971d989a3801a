// Reads an Ignition config back the way Ignition writes it to disk: every storage file's data URL
// decoded (and gunzipped with compression: gzip), and each systemd unit and drop-in at the path
// Ignition writes it to (/etc/systemd/system/<unit>, <unit>.d/<dropin>). Independent of the emitter.
import { gunzipSync } from 'node:zlib';

interface Config {
  storage?: { files?: Array<{ path: string; contents?: { source?: string; compression?: string } }> };
  systemd?: { units?: Array<{ name: string; contents?: string; dropins?: Array<{ name: string; contents?: string }> }> };
}

export function decodeDataUrl(source: string, compression?: string): string {
  const m = /^data:([^,]*),(.*)$/s.exec(source);
  if (!m) throw new Error(`not a data URL: ${source.slice(0, 40)}`);
  const bytes = m[1]!.endsWith(';base64') ? Buffer.from(m[2]!, 'base64') : Buffer.from(decodeURIComponent(m[2]!), 'utf8');
  return (compression === 'gzip' ? gunzipSync(bytes) : bytes).toString('utf8');
}

export function decodeIgnitionFiles(text: string): Map<string, string> {
  const config = JSON.parse(text) as Config;
  const out = new Map<string, string>();
  for (const f of config.storage?.files ?? []) out.set(f.path, decodeDataUrl(f.contents?.source ?? 'data:,', f.contents?.compression));
  for (const u of config.systemd?.units ?? []) {
    if (u.contents !== undefined) out.set(`/etc/systemd/system/${u.name}`, u.contents);
    for (const d of u.dropins ?? []) out.set(`/etc/systemd/system/${u.name}.d/${d.name}`, d.contents ?? '');
  }
  return out;
}
