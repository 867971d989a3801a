// The node program's `secrets` phase (spec.secrets.delivery fetch) against a real HTTPS server on
// 127.0.0.1 with a self-signed certificate, with the real curl, tar and sha256sum (only `sleep` is
// stubbed, so retries do not wait): a good archive is unpacked with its modes and the download
// deleted; a wrong hash, a 404 and a stalled transfer fail the phase with nothing unpacked and
// nothing left behind; without the pinned CA the server is not trusted.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { installStubs, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';
import { NODE_PROGRAM_FETCH } from '../../src/plan/nodeProgram.js';
import { secretsArchive } from '../../src/emit/secretsFetch.js';
import { haveTool } from '../helpers/validators.js';
import type { PlanFile } from '../../src/plan/nodePlan.js';

const tempDir = trackedTempDirs();
// curl and tar are base tools of any Debian machine; openssl is .ci/run's. Missing ones skip (fail in CI).
const hasTools = haveTool('openssl') && ['curl', 'tar'].every((t) => spawnSync('sh', ['-c', 'command "$0" --version >/dev/null', t]).status === 0);

const FILES: PlanFile[] = [
  { path: '/etc/kspray/kubeadm.yaml', content: 'kind: JoinConfiguration\ntoken: abcdef.0123456789abcdef\n', mode: 0o600, builder: 't', origin: [] },
  { path: '/etc/kubernetes/pki/ca.crt', content: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', mode: 0o644, builder: 't', origin: [] },
  { path: '/etc/kubernetes/pki/ca.key', content: '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n', mode: 0o600, builder: 't', origin: [] },
  { path: '/etc/kubernetes/pki/etcd/peer.key', content: '-----BEGIN PRIVATE KEY-----\npeer\n-----END PRIVATE KEY-----\n', mode: 0o600, builder: 't', origin: [] },
];
const ARCHIVE = secretsArchive(FILES);
const PIN = createHash('sha256').update(ARCHIVE).digest('hex');

let server: Server;
let base: string;
let caPem: string;
const hits: string[] = [];

beforeAll(async () => {
  if (!hasTools) return;
  const dir = tempDir('kspray-tls-');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  caPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: caPem }, (req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/demo/cp-1/secrets.tar') return void res.end(ARCHIVE);
    if (req.url === '/demo/stall/secrets.tar') {
      // Headers, then nothing: the connection stays open, no byte of the body ever comes.
      res.writeHead(200, { 'content-length': String(ARCHIVE.length) });
      res.flushHeaders();
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/demo`;
});
afterAll(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

interface Run {
  code: number | null;
  out: string;
  root: string;
  status: string;
}

/** Runs fetch_secrets from the program as fetch payloads ship it (less its last line, `main "$@"`) on a fresh node root. */
function runSecretsPhase(url: string, pin: string, opts: { ca?: boolean; stall?: string } = {}): Promise<Run> {
  const dir = tempDir('kspray-fetch-node-');
  const root = join(dir, 'root');
  const stubs = join(dir, 'bin');
  installStubs(stubs, ['sleep'], '#!/bin/sh\nexit 0\n');
  writeFile(join(root, 'etc/kspray/secrets.sha256'), `${pin}\n`);
  if (opts.ca !== false) writeFile(join(root, 'etc/kspray/secrets-ca.crt'), caPem);
  const source = NODE_PROGRAM_FETCH.trimEnd().split('\n');
  expect(source.at(-1)).toBe('main "$@"');
  writeFileSync(join(dir, 'lib.sh'), `${source.slice(0, -1).join('\n')}\n`);
  const script = `source "$1"; mkdir -p "$STATE/phases"; phase secrets fetch_secrets "$ETC/secrets.sha256"`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script, 'test', join(dir, 'lib.sh')], {
      env: { PATH: `${stubs}:/usr/bin:/bin`, KSPRAY_ROOT: root, KSPRAY_SECRETS_URL: url, KSPRAY_STALL: opts.stall ?? '60', HOME: dir },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const statusFile = join(root, 'var/lib/kspray/status');
      resolve({ code, out, root, status: existsSync(statusFile) ? readFileSync(statusFile, 'utf8') : '' });
    });
  });
}

/** Every file under the node root except the payload's own (pin, CA) and the program's state. */
function unpacked(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p.slice(root.length));
    }
  };
  walk(root);
  return out.filter((p) => !['/etc/kspray/secrets.sha256', '/etc/kspray/secrets-ca.crt'].includes(p) && !p.startsWith('/var/lib/kspray/status'));
}

describe.skipIf(!hasTools)('node program: secrets phase over HTTPS', () => {
  it('downloads a good archive, unpacks every file with its mode and bytes, deletes the download, records the phase', async () => {
    const r = await runSecretsPhase(`${base}/cp-1/secrets.tar`, PIN);
    expect(r.code, r.out).toBe(0);
    for (const f of FILES) {
      const p = join(r.root, f.path);
      expect(readFileSync(p, 'utf8'), f.path).toBe(f.content);
      expect(statSync(p).mode & 0o7777, f.path).toBe(f.mode);
    }
    // Nothing else: no archive, no temp file.
    expect(unpacked(r.root).sort()).toEqual([...FILES.map((f) => f.path), '/var/lib/kspray/phases/secrets.done'].sort());
    expect(r.status).toMatch(/^phase=secrets state=done /);
  });

  it('refuses an archive whose sha256 is not the pinned one: nothing unpacked, nothing left', async () => {
    const r = await runSecretsPhase(`${base}/cp-1/secrets.tar`, 'a'.repeat(64));
    expect(r.code).not.toBe(0);
    // Every try is verified (the bounded download of the node program): the status names the URL and why.
    expect(r.status).toMatch(/^phase=secrets state=failed .*msg=download https:\/\/127\.0\.0\.1:\d+\/demo\/cp-1\/secrets\.tar: gave up after 6 tries: sha256 mismatch, refused: secrets\.tar/);
    expect(unpacked(r.root)).toEqual([]);
  });

  it('gives up on a 404 after its retries: nothing unpacked, nothing left', async () => {
    const r = await runSecretsPhase(`${base}/nobody/secrets.tar`, PIN);
    expect(r.code).not.toBe(0);
    expect(r.status).toMatch(/msg=download https:\/\/\S+\/demo\/nobody\/secrets\.tar: gave up after 6 tries: \(22\) The requested URL returned error: 404/);
    expect(hits.filter((h) => h === '/demo/nobody/secrets.tar')).toHaveLength(6);
    expect(unpacked(r.root)).toEqual([]);
  });

  it('fails a stalled transfer (under 1 KB/s for KSPRAY_STALL seconds) instead of hanging: nothing unpacked, nothing left', async () => {
    const started = Date.now();
    const r = await runSecretsPhase(`${base}/stall/secrets.tar`, PIN, { stall: '1' });
    expect(r.code).not.toBe(0);
    expect(r.status).toMatch(/msg=download https:\/\/\S+\/demo\/stall\/secrets\.tar: gave up after 6 tries: \(28\) Operation too slow/);
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(unpacked(r.root)).toEqual([]);
  }, 60_000);

  it('trusts the server only through the pinned CA (spec.secrets.caCert): without it the download fails', async () => {
    const r = await runSecretsPhase(`${base}/cp-1/secrets.tar`, PIN, { ca: false });
    expect(r.code).not.toBe(0);
    expect(r.status).toMatch(/gave up after 6 tries/);
    expect(unpacked(r.root)).toEqual([]);
  });
});
