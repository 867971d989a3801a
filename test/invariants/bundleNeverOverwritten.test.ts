// Promise #1 (DESIGN.md §1): the secrets bundle is created once and never overwritten. Checked through
// the CLI and the bundle-saving step every command shares, by bytes and inode (a file replaced by a
// rename has a new inode even when its bytes are equal), for a file of every kind the bundle holds.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/runCli.js';
import { fileStates, type FileState } from '../helpers/fileTree.js';
import { repoRoot } from '../helpers/fixtures.js';
import { compileSpec, prepareBundle } from '../../src/render.js';
import { saveBundleAdditions } from '../../src/cli/commands/shared.js';
import { readTree } from '../../src/io/files.js';
import { tokenToFile } from '../../src/secrets/tokens.js';

/** One pattern per kind of file the bundle holds (bundleFiles.ts, renewals.ts, tokens.ts). */
const BUNDLE_KINDS: Record<string, RegExp> = {
  metadata: /^bundle\.json$/,
  'CA certificate': /^(ca|front-proxy-ca|etcd-ca)\.crt$/,
  'CA key': /^(ca|front-proxy-ca|etcd-ca)\.key$/,
  'service-account key': /^sa\.key$/,
  'service-account public key': /^sa\.pub$/,
  'leaf key': /^leaf\/.+\.json$/,
  'leaf renewal': /^renewals\/.+\.json$/,
  'minted bootstrap token': /^tokens\/.+\.json$/,
};

type Snapshot = Pick<FileState, 'bytes' | 'ino' | 'mtimeMs'>;

function snapshot(dir: string): Map<string, Snapshot> {
  return new Map([...fileStates(dir)].map(([path, { bytes, ino, mtimeMs }]) => [path, { bytes, ino, mtimeMs }]));
}

function expectUntouched(before: Map<string, Snapshot>, dir: string): void {
  const after = snapshot(dir);
  for (const [rel, s] of before) {
    const now = after.get(rel);
    expect(now, `${rel} disappeared`).toBeDefined();
    expect(now!.bytes.equals(s.bytes), `${rel} changed bytes`).toBe(true);
    expect(now!.ino, `${rel} was replaced (new inode)`).toBe(s.ino);
    expect(now!.mtimeMs, `${rel} was rewritten`).toBe(s.mtimeMs);
  }
}

/** A cluster dir with a bundle holding a file of every kind: rendered, renewed, and a minted token. */
async function bundleOfEveryKind(): Promise<{ dir: string; spec: string; secrets: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-bundle-inv-'));
  const spec = join(dir, 'cluster.yaml');
  copyFileSync(join(repoRoot, 'examples', 'single', 'cluster.yaml'), spec);
  const cli = async (...args: string[]) => {
    const r = await runCli(args, dir);
    expect(r.status, r.stderr).toBe(0);
  };
  await cli('render', '-f', spec, '-o', 'out');
  await cli('certs', 'renew', '-f', spec, '-o', 'out');
  const secrets = join(dir, 'out', 'single', 'secrets');
  // What `kspray scale` appends when the join token expired (its own test covers the minting).
  const token = tokenToFile({ id: 'abcdef', secret: '0123456789abcdef', createdAt: new Date('2026-06-01T00:00:00Z'), ttl: '24h' });
  mkdirSync(join(secrets, 'tokens'), { mode: 0o700 });
  writeFileSync(join(secrets, token.relPath), token.content, { mode: 0o600, flag: 'wx' });
  return { dir, spec, secrets };
}

describe('the secrets bundle is never overwritten', () => {
  it('keeps an existing file of every bundle kind byte for byte (same inode) through renders, a grown spec and renewals', async () => {
    const { dir, spec, secrets } = await bundleOfEveryKind();
    const before = snapshot(secrets);
    for (const [kind, pattern] of Object.entries(BUNDLE_KINDS)) {
      expect([...before.keys()].some((rel) => pattern.test(rel)), `no ${kind} file to check`).toBe(true);
    }
    // A render with nothing new, a render for a spec that needs new leaf keys (two more control
    // planes), a --node render, and another renewal: each may add files, none may touch one.
    const grown = readFileSync(spec, 'utf8').replace(
      '    - { name: worker-1',
      '    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }\n    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }\n    - { name: worker-1',
    );
    const runs: string[][] = [['render', '-f', spec, '-o', 'out'], ['GROW'], ['render', '-f', spec, '-o', 'out'], ['render', '-f', spec, '-o', 'out', '--node', 'cp-3'], ['certs', 'renew', '-f', spec, '-o', 'out', '--only', 'cp-1/apiserver']];
    for (const args of runs) {
      if (args[0] === 'GROW') {
        writeFileSync(spec, grown);
        continue;
      }
      // certs renew records one file per second: let the clock move on.
      if (args[0] === 'certs') await new Promise((r) => setTimeout(r, 1100));
      const r = await runCli(args, dir);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expectUntouched(before, secrets);
    }
    const after = snapshot(secrets);
    expect([...after.keys()].filter((k) => k.startsWith('leaf/cp-3__')).length, 'the grown spec added leaf keys').toBeGreaterThan(0);
  }, 240_000);

  it('refuses a save that would replace bundle files (a render racing another) and changes nothing', async () => {
    const { spec, secrets } = await bundleOfEveryKind();
    const before = snapshot(secrets);
    const model = compileSpec(readFileSync(spec, 'utf8'), spec);
    // This render read the secrets dir before another one created it: it made a whole new bundle
    // whose every file name exists now. Saving it must fail, not replace the bundle nodes trust.
    const racing = await prepareBundle(model, undefined, secrets, new Date());
    expect(racing.newFiles.length).toBeGreaterThan(10);
    expect(() => saveBundleAdditions(secrets, racing)).toThrow();
    expectUntouched(before, secrets);
    // Nor any stray file left behind (a temp copy of a key would be a second copy to protect).
    expect([...snapshot(secrets).keys()].sort()).toEqual([...before.keys()].sort());
  });

  it('refuses the second of two racing additions (new leaf keys), keeping the first one\'s keys', async () => {
    const { spec, secrets } = await bundleOfEveryKind();
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('    - { name: worker-1', '    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }\n    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }\n    - { name: worker-1'));
    const model = compileSpec(readFileSync(spec, 'utf8'), spec);
    // Both read the bundle before either saved: each made its own keys for cp-2.
    const first = await prepareBundle(model, readTree(secrets), secrets, new Date());
    const second = await prepareBundle(model, readTree(secrets), secrets, new Date());
    expect(first.created).toBe(false);
    expect(first.newFiles.map((f) => f.relPath)).toEqual(second.newFiles.map((f) => f.relPath));
    expect(first.newFiles.length).toBeGreaterThan(0);
    saveBundleAdditions(secrets, first);
    const before = snapshot(secrets);
    // The first one's keys may already be in payloads: the second must fail, not replace them.
    expect(() => saveBundleAdditions(secrets, second)).toThrow();
    expectUntouched(before, secrets);
    for (const f of first.newFiles) expect(readFileSync(join(secrets, f.relPath), 'utf8'), f.relPath).toBe(f.content);
    expect([...snapshot(secrets).keys()].sort()).toEqual([...before.keys()].sort());
  });

  it('fails a render whose bundle file is in the way as a non-regular file, leaving it as it was', async () => {
    const { dir, spec, secrets } = await bundleOfEveryKind();
    // A directory where a leaf key should go: the render must add that key but cannot without
    // replacing what is there, so it must stop (exit 1) rather than remove or rename it.
    const grown = readFileSync(spec, 'utf8').replace('    - { name: worker-1', '    - { name: cp-2, address: 10.0.0.12, roles: [control-plane] }\n    - { name: cp-3, address: 10.0.0.13, roles: [control-plane] }\n    - { name: worker-1');
    writeFileSync(spec, grown);
    const blocker = join(secrets, 'leaf', 'cp-2__apiserver.json');
    mkdirSync(blocker);
    writeFileSync(join(blocker, 'keep'), 'x');
    const before = snapshot(secrets);
    const r = await runCli(['render', '-f', spec, '-o', 'out'], dir);
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // a message, not a stack trace
    expectUntouched(before, secrets);
  });
});
