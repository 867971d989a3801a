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

interface WriteFile {
  path: string;
  content?: string;
  encoding?: string;
  permissions?: string;
}

function cloudConfigFiles(text: string): Map<string, NodeFile> {
  const doc = parse(text, { version: '1.1' }) as { write_files?: WriteFile[] } | null;
  return new Map((doc?.write_files ?? []).map((f) => [f.path, nodeFile(f)]));
}

function nodeFile(f: WriteFile): NodeFile {
  const raw = f.content ?? '';
  const enc = f.encoding ?? 'text/plain';
  const content = /gz/.test(enc) ? gunzipSync(Buffer.from(raw, 'base64')).toString('utf8') : /b64|base64/.test(enc) ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  return { mode: parseInt(f.permissions ?? '0644', 8), content };
}

/**
 * The files of two payloads, leaving out files both write identically (not always: a caller must
 * still compare what it gets). Reading a payload back costs a YAML parse, the bulk of a diff's time,
 * and most files do not change between two renders: in the block layout kspray writes, each
 * write_files item is a run of lines starting at "  - " (a block scalar's lines are indented deeper,
 * so none starts there), and an item whose text is in both payloads writes the same file, so only
 * the other items are parsed. A payload in any other shape (Ignition, flow style, an item that does
 * not parse alone) is read whole.
 */
export function changedPayloadFiles(before: string, after: string): { before: Map<string, NodeFile>; after: Map<string, NodeFile> } {
  const a = writeFilesItems(before);
  const b = writeFilesItems(after);
  if (a && b) {
    const inA = new Set(a);
    const inB = new Set(b);
    const onlyA = itemFiles(a.filter((t) => !inB.has(t)));
    const onlyB = itemFiles(b.filter((t) => !inA.has(t)));
    if (onlyA && onlyB) return { before: onlyA, after: onlyB };
  }
  return { before: payloadFiles(before), after: payloadFiles(after) };
}

/** The write_files items of a #cloud-config in kspray's block layout, as text; undefined for any other shape. */
export function writeFilesItems(payload: string): string[] | undefined {
  if (!payload.startsWith('#cloud-config\n')) return undefined;
  const lines = payload.split('\n');
  const start = lines.indexOf('write_files:');
  if (start < 0 || lines.indexOf('write_files:', start + 1) >= 0) return undefined;
  const items: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^[A-Za-z_][\w-]*:/.test(line)) break; // the next top-level key
    // A comment, a document marker or a tab at the margin: not kspray's layout, read whole.
    if (line !== '' && !line.startsWith(' ')) return undefined;
    if (line.startsWith('  - ')) items.push([line]);
    else if (items.length && (line === '' || line.startsWith('    '))) items.at(-1)!.push(line);
    else return undefined;
  }
  return items.length ? items.map((l) => l.join('\n')) : undefined;
}

/** Parses items one by one; undefined when one is not a single file entry on its own (e.g. an alias to another item). */
function itemFiles(items: string[]): Map<string, NodeFile> | undefined {
  const out = new Map<string, NodeFile>();
  for (const item of items) {
    let doc: unknown;
    try {
      doc = parse(item, { version: '1.1' });
    } catch {
      return undefined;
    }
    const f = Array.isArray(doc) && doc.length === 1 ? (doc[0] as WriteFile | null) : undefined;
    if (typeof f?.path !== 'string') return undefined;
    out.set(f.path, nodeFile(f));
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
