// The cidata seed ISO (NoCloud's "volume labelled cidata"), built by xorriso or genisoimage in a
// private temp directory that is removed afterwards. Part of io/: the only place that touches disk.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KsprayError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { readEnv, wholeEnv } from '../env.js';

export type IsoTool = 'xorriso' | 'genisoimage';

/** The first ISO tool on PATH, xorriso preferred. */
export function findIsoTool(path = readEnv('PATH') ?? ''): { tool: IsoTool; bin: string } | undefined {
  for (const tool of ['xorriso', 'genisoimage'] as const) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const bin = join(dir, tool);
      if (existsSync(bin)) return { tool, bin };
    }
  }
  return undefined;
}

/** A fixed time for file dates and volume dates, so one seed gives one ISO. */
const EPOCH = 0;

export function buildCidataIso(files: Array<{ name: string; content: string }>, tool = findIsoTool()): Buffer {
  if (!tool) throw new KsprayError('input', [messages.isoToolMissing()]);
  const dir = mkdtempSync(join(tmpdir(), 'kspray-cidata-'));
  try {
    const src = join(dir, 'seed');
    const out = join(dir, 'seed.iso');
    mkdirSync(src, { mode: 0o700 });
    for (const f of files) {
      const p = join(src, f.name);
      writeFileSync(p, f.content, { mode: 0o600 });
      utimesSync(p, EPOCH, EPOCH);
    }
    const names = files.map((f) => f.name);
    // Joliet + Rock Ridge keep the lower-case names "user-data" etc. that NoCloud looks for.
    const args =
      tool.tool === 'xorriso'
        ? ['-as', 'mkisofs', '-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', ...names]
        : ['-quiet', '-output', out, '-volid', 'cidata', '-joliet', '-rock', ...names];
    const r = spawnSync(tool.bin, args, { cwd: src, encoding: 'utf8', env: { ...wholeEnv(), SOURCE_DATE_EPOCH: String(EPOCH) } });
    if (r.status !== 0) throw new KsprayError('failure', [messages.isoBuildFailed(tool.tool, (r.stderr || r.error?.message || `exit ${r.status}`).trim())]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
