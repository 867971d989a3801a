// kspray scale: token expiry, the append-only token files, the Secret manifest, and which nodes are
// rendered; the CLI test checks that existing nodes' outputs do not change.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readTree } from '../../src/io/files.js';
import { compileSpec } from '../../src/compileSpec.js';
import type { KsprayError } from '../../src/errors/errors.js';
import { bootstrapTokenSecret, currentToken, parseDuration, scaleTargets, tokenExpiresAt, tokenState, tokenToFile, type BootstrapToken } from '../../src/lifecycle/scale.js';
import { exampleFile, fixtureBundleDir, repoRoot } from '../helpers/fixtures.js';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kubeApiServer.js';
import { runCli } from '../helpers/runCli.js';

const HOUR = 3600_000;
const first = { id: 'abcdef', secret: '0123456789abcdef' };
const created = new Date('2026-01-01T00:00:00Z');

describe('bootstrap token lifetime', () => {
  it('parses kubeadm durations', () => {
    expect(parseDuration('24h')).toBe(24 * HOUR);
    expect(parseDuration('1h30m')).toBe(1.5 * HOUR);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('0s')).toBe(0);
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('1d')).toBeUndefined();
  });

  it('is valid, expiring within the margin, expired, or never expires', () => {
    const t: BootstrapToken = { ...first, createdAt: created, ttl: '24h' };
    expect(tokenExpiresAt(t)!.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(tokenState(t, new Date('2026-01-01T12:00:00Z'), HOUR).state).toBe('valid');
    expect(tokenState(t, new Date('2026-01-01T23:30:00Z'), HOUR).state).toBe('expiring');
    expect(tokenState(t, new Date('2026-03-01T00:00:00Z'), HOUR).state).toBe('expiring');
    expect(tokenState({ ...t, ttl: '0s' }, new Date('2030-01-01T00:00:00Z'), HOUR).state).toBe('never-expires');
  });
});

describe('token files (append-only, newest is current)', () => {
  const minted = (id: string, at: string): BootstrapToken => ({ id, secret: 'zzzzzzzzzzzzzzzz', createdAt: new Date(at), ttl: '24h' });

  it('the bundle token counts from the bundle date, until a minted one exists', () => {
    expect(currentToken(new Map(), first, created, '24h', 'secrets')).toEqual({ ...first, createdAt: created, ttl: '24h' });
    const files = new Map(
      [minted('bbbbbb', '2026-03-01T00:00:00Z'), minted('aaaaaa', '2026-02-01T00:00:00Z')].map((t) => {
        const f = tokenToFile(t);
        return [f.relPath, f.content] as [string, string];
      }),
    );
    expect(currentToken(files, first, created, '24h', 'secrets').id).toBe('bbbbbb');
  });

  it('a corrupt token file is a bundle error (exit 2), not ignored', () => {
    const bad = new Map([['tokens/abcdef.json', '{"id":"abcdef","secret":"short","createdAt":"2026-01-01T00:00:00.000Z","ttl":"24h"}']]);
    expect(() => currentToken(bad, first, created, '24h', 'secrets')).toThrow(/secrets\/tokens\/abcdef.json is corrupt/);
    const renamed = new Map([['tokens/other1.json', tokenToFile(minted('aaaaaa', '2026-02-01T00:00:00Z')).content]]);
    expect(() => currentToken(renamed, first, created, '24h', 'secrets')).toThrow(/does not match the file name/);
  });

  it("writes kubeadm's bootstrap token Secret", () => {
    const s = parseYaml(bootstrapTokenSecret(minted('aaaaaa', '2026-02-01T00:00:00Z'))) as Record<string, any>;
    expect(s).toMatchObject({
      kind: 'Secret',
      type: 'bootstrap.kubernetes.io/token',
      metadata: { name: 'bootstrap-token-aaaaaa', namespace: 'kube-system' },
      stringData: {
        'token-id': 'aaaaaa',
        'token-secret': 'zzzzzzzzzzzzzzzz',
        expiration: '2026-02-02T00:00:00Z',
        'usage-bootstrap-authentication': 'true',
        'usage-bootstrap-signing': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
      },
    });
  });
});

describe('scale targets', () => {
  const spec = readFileSync(exampleFile('ha'), 'utf8');
  const rendered = new Set(['cp-1', 'cp-2', 'cp-3', 'worker-1', 'worker-2', 'worker-3', 'batch']);

  it('new workers and every pool', () => {
    const model = compileSpec(spec.replace('  pools:', '    - { name: worker-4, address: 10.0.0.24, roles: [worker] }\n  pools:'), 'c.yaml');
    const t = scaleTargets(model, (n) => rendered.has(n));
    expect(t.added).toEqual(['worker-4']);
    expect(t.render.map((n) => n.name)).toEqual(['worker-4', 'batch']);
  });

  const twoControlPlanes = '    - { name: cp-4, address: 10.0.0.14, roles: [control-plane, etcd] }\n    - { name: cp-5, address: 10.0.0.15, roles: [control-plane, etcd] }\n';

  it('adds stacked control planes, warning to boot them one at a time', () => {
    const model = compileSpec(spec.replace('  pools:', `${twoControlPlanes}  pools:`), 'c.yaml');
    const t = scaleTargets(model, (n) => rendered.has(n));
    expect(t.added).toEqual(['cp-4', 'cp-5']);
    expect(t.addedControlPlanes).toEqual(['cp-4', 'cp-5']);
    expect(t.warnings.join()).toMatch(/one at a time \(cp-4, then cp-5\)/);
    const one = scaleTargets(compileSpec(spec.replace('  pools:', '    - { name: w-9, address: 10.0.0.29, roles: [worker] }\n  pools:'), 'c.yaml'), (n) => rendered.has(n));
    expect(one.warnings).toEqual([]);
  });

  it('refuses a new control plane listed first (it would run kubeadm init), pointing at its spec entry', () => {
    const model = compileSpec(spec.replace(/  nodes:\n/, `  nodes:\n${twoControlPlanes}`), 'c.yaml');
    let problem: any;
    try {
      scaleTargets(model, (n) => rendered.has(n));
    } catch (e) {
      problem = (e as KsprayError).problems[0];
    }
    expect(problem).toMatchObject({ rule: 'scale-first-control-plane', path: ['spec', 'nodes', 0] });
  });

  it('refuses new external etcd members', () => {
    const ext = readFileSync(exampleFile('external-etcd'), 'utf8');
    const names = new Set(compileSpec(ext, 'c.yaml').nodes.map((n) => n.name));
    const model = compileSpec(
      ext.replace('  pools:', '    - { name: etcd-4, address: 10.0.1.14, roles: [etcd] }\n    - { name: etcd-5, address: 10.0.1.15, roles: [etcd] }\n  pools:'),
      'c.yaml',
    );
    expect(() => scaleTargets(model, (n) => names.has(n))).toThrow(/"etcd-4" is a new external etcd member/);
  });
});

describe('kspray scale (CLI)', () => {
  const cli = join(repoRoot, 'dist', 'cli', 'main.js');
  const run = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

  it('adds a worker and a fresh token; existing nodes and the bundle are untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-scale-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    const r0 = run(['render', '-f', 'cluster.yaml', '-o', 'out'], dir);
    expect(r0.status, r0.stderr).toBe(0);
    const before = readTree(join(dir, 'out', 'ha'))!;

    const spec = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    writeFileSync(join(dir, 'cluster.yaml'), spec.replace('  pools:', '    - { name: worker-4, address: 10.0.0.24, roles: [worker] }\n  pools:'));
    // The fixture bundle is dated 2026-01-01 with a 24h token: long expired, so a new one is minted.
    const r1 = run(['scale', '-f', 'cluster.yaml', '-o', 'out'], dir);
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stdout).toBe('');
    const after = readTree(join(dir, 'out', 'ha'))!;

    for (const [path, content] of before) {
      if (path.startsWith('nodes/batch/')) continue; // the pool's shared payload carries the new token
      expect(after.get(path), path).toBe(content);
    }
    const tokenFiles = [...after.keys()].filter((p) => p.startsWith('secrets/tokens/'));
    expect(tokenFiles).toHaveLength(1);
    const token = JSON.parse(after.get(tokenFiles[0]!)!) as { id: string; secret: string };
    const worker4 = after.get('nodes/worker-4/user-data')!;
    expect(worker4).toContain(`${token.id}.${token.secret}`);
    expect(after.get('nodes/batch/user-data')).toContain(`${token.id}.${token.secret}`);
    expect(after.get(`bootstrap-token-${token.id}.yaml`)).toContain(`token-secret: ${token.secret}`);
    expect(r1.stderr).toContain(`apply -f out/ha/bootstrap-token-${token.id}.yaml`);

    // Again: the minted token is valid, nothing new is minted and nothing changes.
    const r2 = run(['scale', '-f', 'cluster.yaml', '-o', 'out'], dir);
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stderr).toContain(`bootstrap token ${token.id} is still valid`);
    expect(readTree(join(dir, 'out', 'ha'))).toEqual(after);

    // From now on every render carries the minted token (a node re-provisioned later must be able to join).
    expect(run(['render', '-f', 'cluster.yaml', '-o', 'out'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'out', 'ha', 'nodes', 'worker-1', 'user-data'), 'utf8')).toContain(`${token.id}.${token.secret}`);
    expect(readFileSync(join(dir, 'out', 'ha', 'secrets', 'bundle.json'), 'utf8')).toBe(before.get('secrets/bundle.json'));
  });

  it('adds control planes from the same bundle; existing outputs are not written, those that change are listed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-scale-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    expect(run(['render', '-f', 'cluster.yaml', '-o', 'out'], dir).status).toBe(0);
    const before = readTree(join(dir, 'out', 'ha'))!;
    const spec = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    const cps = '    - { name: cp-4, address: 10.0.0.14, roles: [control-plane, etcd] }\n    - { name: cp-5, address: 10.0.0.15, roles: [control-plane, etcd] }\n';
    writeFileSync(join(dir, 'cluster.yaml'), spec.replace('  pools:', `${cps}  pools:`));
    const r = run(['scale', '-f', 'cluster.yaml', '-o', 'out'], dir);
    expect(r.status, r.stderr).toBe(0);
    const after = readTree(join(dir, 'out', 'ha'))!;
    // Existing nodes (their certificates and payloads) are byte-identical; the pool is re-rendered.
    for (const [path, content] of before) {
      if (path.startsWith('nodes/batch/')) continue;
      expect(after.get(path), path).toBe(content);
    }
    const cp4 = after.get('nodes/cp-4/user-data')!;
    expect(cp4).toMatch(/KSPRAY_ACTION='?join-control-plane/);
    // The cluster CA from the bundle (not a new one); the CA key too, as kubeadm join --control-plane needs.
    const caLines = readFileSync(join(dir, 'out', 'ha', 'secrets', 'ca.crt'), 'utf8').trim().split('\n');
    expect(cp4).toContain(caLines[1]!);
    expect(after.get('nodes/cp-2/user-data')).toContain(caLines[1]!);
    // The workers' localhost proxy gains cp-4 and cp-5 as upstreams: listed, not written.
    expect(r.stderr).toMatch(/new control planes cp-4, cp-5 join with kubeadm join --control-plane/);
    expect(r.stderr).toMatch(/ {2}worker-1: [^\n]*\/etc\/nginx\/nginx.conf/);
    expect(r.stderr).toMatch(/ {2}batch: [^\n]*\(re-rendered: a pool\)/);
    expect(r.stderr).toContain('warning: boot the new control planes one at a time (cp-4, then cp-5)');
    // Stacked members join through kubeadm: the existing control planes' outputs do not change.
    expect(r.stderr).not.toMatch(/^ {2}cp-[123]:/m);
    expect(after.get('nodes/worker-1/user-data')).not.toContain('10.0.0.14');
    expect(after.get('nodes/batch/user-data')).toContain('10.0.0.14');
  });

  it('exit 2 on a cluster that was never rendered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-scale-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    const r = run(['scale', '-f', 'cluster.yaml', '-o', 'out'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('error[scale-needs-bundle]');
  });
});

describe('kspray scale --kubeconfig (real kubectl against the local API server)', () => {
  let api: KubeApiServer | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('applies the minted token Secret (server-side apply), again on a rerun, and fails clearly when the API is down', async () => {
    api = await startKubeApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'kspray-scale-api-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    expect((await runCli(['render', '-f', 'cluster.yaml', '-o', 'out'], dir)).status).toBe(0);
    const spec = readFileSync(join(dir, 'cluster.yaml'), 'utf8');
    writeFileSync(join(dir, 'cluster.yaml'), spec.replace('  pools:', '    - { name: worker-4, address: 10.0.0.24, roles: [worker] }\n  pools:'));

    const r1 = await runCli(['scale', '-f', 'cluster.yaml', '-o', 'out', '--kubeconfig', api.kubeconfig], dir);
    expect(r1.status, r1.stderr).toBe(0);
    const tokenFile = [...readTree(join(dir, 'out', 'ha', 'secrets', 'tokens'))!.values()][0]!;
    const token = JSON.parse(tokenFile) as { id: string; secret: string };
    const secret = api.get('secrets', `bootstrap-token-${token.id}`, 'kube-system');
    expect(secret).toMatchObject({ type: 'bootstrap.kubernetes.io/token', stringData: { 'token-id': token.id, 'token-secret': token.secret } });
    const writes = () => api!.calls().filter((q) => q.method !== 'GET');
    expect(writes().map((q) => `${q.method} ${q.path} ${q.query.fieldManager}`)).toEqual([`PATCH /api/v1/namespaces/kube-system/secrets/bootstrap-token-${token.id} kspray`]);
    expect(writes()[0]!.contentType).toContain('application/apply-patch');
    expect(r1.stderr).toContain(`applied Secret kube-system/bootstrap-token-${token.id}`);

    // The token is still valid: nothing is minted, its Secret is applied again (a no-op), same object.
    const r2 = await runCli(['scale', '-f', 'cluster.yaml', '-o', 'out', '--kubeconfig', api.kubeconfig], dir);
    expect(r2.status, r2.stderr).toBe(0);
    expect(writes()).toHaveLength(2);
    expect(api.store.get('secrets')!.size).toBe(1);
    expect(api.get('secrets', `bootstrap-token-${token.id}`, 'kube-system')!.metadata.uid).toBe(secret!.metadata.uid);

    const kubeconfig = api.kubeconfig;
    await api.close();
    api = undefined;
    const r3 = await runCli(['scale', '-f', 'cluster.yaml', '-o', 'out', '--kubeconfig', kubeconfig], dir);
    expect(r3.status).toBe(1);
    expect(r3.stderr).toContain(`error[scale-apply-token]: applying the bootstrap token Secret bootstrap-token-${token.id} failed`);
  });

  it('applies nothing while the bundle\'s own token (created by kubeadm init) is current', async () => {
    api = await startKubeApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'kspray-scale-api-'));
    copyFileSync(exampleFile('ha'), join(dir, 'cluster.yaml'));
    mkdirSync(join(dir, 'out', 'ha'), { recursive: true });
    cpSync(fixtureBundleDir('ha'), join(dir, 'out', 'ha', 'secrets'), { recursive: true });
    // A token that never expires stays current.
    writeFileSync(join(dir, 'cluster.yaml'), readFileSync(join(dir, 'cluster.yaml'), 'utf8').replace('spec:\n', 'spec:\n  bootstrapToken: { ttl: 0s }\n'));
    expect((await runCli(['render', '-f', 'cluster.yaml', '-o', 'out'], dir)).status).toBe(0);
    const r = await runCli(['scale', '-f', 'cluster.yaml', '-o', 'out', '--kubeconfig', api.kubeconfig], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('never expires');
    expect(api.calls()).toEqual([]);
  });
});
