// Per-cloud packaging (render --provider): each cloud's limit, what it counts, gzip/base64 round
// trips back to the exact payload, and the hard error (with its way out) past the limit.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { PROVIDER_FORMATS, packageAll, packagePayload, type Packaged, type Provider } from '../../src/emit/providers/index.js';
import { KsprayError } from '../../src/errors/errors.js';
import type { NodeModel } from '../../src/model/model.js';

const node = (name: string, kind: 'node' | 'pool' = 'node'): NodeModel =>
  ({ name, kind, roles: ['worker'], isControlPlane: false, isEtcd: false, isFirstControlPlane: false, os: 'ubuntu-24.04', arch: 'amd64', labels: {}, taints: [], count: 1, specPath: ['spec', 'nodes', 0] }) as unknown as NodeModel;

/** A cloud-config of about `bytes` bytes that gzips well (like real payloads: YAML, PEM, manifests). */
const compressible = (bytes: number) => `#cloud-config\nwrite_files:\n${'  - {path: /etc/x, content: "kubernetes"}\n'.repeat(Math.ceil(bytes / 42))}`;
/** One that barely compresses (random base64). */
const incompressible = (bytes: number) => `#cloud-config\n# ${randomBytes(Math.ceil((bytes * 3) / 4)).toString('base64')}\n`;

const file = (p: Packaged, name: string) => {
  const f = p.files.find((x) => x.name === name);
  if (!f) throw new Error(`${p.provider}: no file ${name} (has ${p.files.map((x) => x.name).join(', ')})`);
  return Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, 'utf8');
};
const maybeGunzip = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);
const unb64 = (b: Buffer) => Buffer.from(b.toString('utf8').trim(), 'base64');

describe('provider limits', () => {
  it('states each cloud limit (bytes) and what it counts', () => {
    expect(PROVIDER_FORMATS.aws.limit).toBe(16384);
    expect(PROVIDER_FORMATS.aws.measures).toBe('bytes');
    expect(PROVIDER_FORMATS.gce.limit).toBe(256 * 1024);
    expect(PROVIDER_FORMATS.azure.limit).toBe(65535);
    expect(PROVIDER_FORMATS.openstack.limit).toBe(65535);
    expect(PROVIDER_FORMATS.openstack.measures).toBe('base64');
    expect(PROVIDER_FORMATS.oci.limit).toBe(32000);
    expect(PROVIDER_FORMATS.oci.measures).toBe('base64');
    expect(PROVIDER_FORMATS.vsphere.limit).toBeUndefined();
  });
});

describe('AWS user data', () => {
  it('sends a payload that fits raw, and its base64 for launch templates', () => {
    const payload = compressible(10_000);
    const p = packagePayload('aws', node('w'), payload, 'c');
    expect(p.encoding).toBe('raw');
    expect(p.measured).toBe(Buffer.byteLength(payload));
    expect(file(p, 'user-data').toString('utf8')).toBe(payload);
    expect(unb64(file(p, 'user-data.b64')).toString('utf8')).toBe(payload);
  });

  it('gzips past 16 KiB raw, and the bytes gunzip to the payload', () => {
    const payload = compressible(40_000);
    expect(Buffer.byteLength(payload)).toBeGreaterThan(16384);
    const [p] = packageAll('aws', [node('cp-1')], new Map([['cp-1', payload]]), 'c');
    expect(p!.encoding).toBe('gzip');
    expect(p!.measured).toBeLessThanOrEqual(16384);
    expect(gunzipSync(file(p!, 'user-data')).toString('utf8')).toBe(payload);
    expect(gunzipSync(unb64(file(p!, 'user-data.b64'))).toString('utf8')).toBe(payload);
  });

  it('refuses a payload over 16 KiB even gzipped, naming the node, the limit and the way out', () => {
    const payload = incompressible(30_000);
    let error: unknown;
    try {
      packageAll('aws', [node('ok'), node('cp-1')], new Map([['ok', compressible(100)], ['cp-1', payload]]), 'c');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    const e = error as KsprayError;
    expect(e.kind).toBe('input');
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.rule).toBe('user-data-fits-provider');
    expect(e.problems[0]!.message).toMatch(/node "cp-1": aws EC2 UserData .* would be \d+ bytes \(gzip\), over the limit of 16 KiB before base64, even gzipped/);
    expect(e.problems[0]!.hint).toContain('spec.cloudInit.payloadUrlBase');
    expect(e.problems[0]!.hint).toContain('spec.secrets.delivery: fetch');
    expect(e.problems[0]!.path).toEqual(['spec', 'nodes', 0]);
  });

  it('never gzips an Ignition config (Ignition does not gunzip) and points at configUrlBase instead', () => {
    const ign = `{"ignition":{"version":"3.3.0"},"x":"${'a'.repeat(20_000)}"}`;
    expect(() => packageAll('aws', [node('f')], new Map([['f', ign]]), 'c')).toThrow(/over the limit of 16 KiB before base64/);
    try {
      packageAll('aws', [node('f')], new Map([['f', ign]]), 'c');
    } catch (e) {
      expect((e as KsprayError).problems[0]!.message).not.toContain('gzipped');
      expect((e as KsprayError).problems[0]!.hint).toContain('configUrlBase');
    }
    const small = packagePayload('aws', node('f'), '{"ignition":{"version":"3.3.0"}}', 'c');
    expect(small.encoding).toBe('raw');
  });
});

describe.each<[Provider, number, 'bytes' | 'base64']>([
  ['azure', 65535, 'bytes'],
  ['openstack', 65535, 'base64'],
  ['oci', 32000, 'base64'],
])('%s', (provider, limit, measures) => {
  const primary = { azure: 'custom-data.b64', openstack: 'user-data', oci: 'user-data.b64' }[provider as 'azure' | 'openstack' | 'oci'];
  const decode = (p: Packaged) => maybeGunzip(primary.endsWith('.b64') ? unb64(file(p, primary)) : file(p, primary)).toString('utf8');

  it('round-trips a small payload without gzip', () => {
    const payload = compressible(5_000);
    const p = packagePayload(provider, node('w'), payload, 'c');
    expect(p.encoding === 'raw' || p.encoding === 'base64').toBe(true);
    expect(decode(p)).toBe(payload);
  });

  it(`gzips when the ${measures} size would pass ${limit}, and round-trips`, () => {
    // Just over the limit as the cloud counts it: base64 grows 4/3, so a base64-measured cloud
    // already needs gzip below the limit in raw bytes.
    const rawBytes = measures === 'base64' ? Math.ceil((limit * 3) / 4) + 100 : limit + 100;
    const payload = compressible(rawBytes);
    const p = packagePayload(provider, node('w'), payload, 'c');
    expect(p.encoding).toMatch(/gzip/);
    expect(p.measured).toBeLessThanOrEqual(limit);
    expect(decode(p)).toBe(payload);
  });

  it('refuses one over the limit even gzipped', () => {
    expect(() => packageAll(provider, [node('big')], new Map([['big', incompressible(limit * 2)]]), 'c')).toThrow(KsprayError);
  });
});

describe('GCE metadata', () => {
  it('sends text up to 256 KiB, then gzip+base64 with user-data-encoding', () => {
    const small = compressible(100_000);
    const p = packagePayload('gce', node('w'), small, 'c');
    expect(p.encoding).toBe('raw');
    expect(file(p, 'user-data').toString('utf8')).toBe(small);
    const big = compressible(300_000);
    const q = packagePayload('gce', node('w'), big, 'c');
    expect(q.encoding).toBe('gzip+base64');
    expect(file(q, 'user-data-encoding').toString()).toBe('base64');
    expect(gunzipSync(unb64(file(q, 'user-data'))).toString('utf8')).toBe(big);
  });
});

describe('vSphere guestinfo', () => {
  it('carries userdata and metadata as gzip+base64 that decode to the payload and hostname', () => {
    const payload = compressible(30_000);
    const p = packagePayload('vsphere', node('cp-1'), payload, 'demo');
    const extra = JSON.parse(file(p, 'guestinfo.json').toString('utf8')) as Record<string, string>;
    expect(extra['guestinfo.userdata.encoding']).toBe('gzip+base64');
    expect(gunzipSync(Buffer.from(extra['guestinfo.userdata']!, 'base64')).toString('utf8')).toBe(payload);
    expect(extra['guestinfo.metadata.encoding']).toBe('gzip+base64');
    expect(JSON.parse(gunzipSync(Buffer.from(extra['guestinfo.metadata']!, 'base64')).toString('utf8'))).toEqual({
      'instance-id': 'kspray-demo-cp-1',
      'local-hostname': 'cp-1',
    });
    // Pool members keep the hostname the platform gives them: no metadata.
    const pool = packagePayload('vsphere', node('batch', 'pool'), payload, 'demo');
    expect(JSON.parse(file(pool, 'guestinfo.json').toString('utf8'))['guestinfo.metadata']).toBeUndefined();
  });
});

describe('OpenStack config drive', () => {
  it('lays out openstack/latest with user_data and meta_data.json', () => {
    const payload = compressible(1000);
    const p = packagePayload('openstack', node('cp-1'), payload, 'demo');
    expect(file(p, 'config-drive/openstack/latest/user_data').toString('utf8')).toBe(payload);
    expect(JSON.parse(file(p, 'config-drive/openstack/latest/meta_data.json').toString('utf8'))).toEqual({
      uuid: 'kspray-demo-cp-1',
      hostname: 'cp-1',
      name: 'cp-1',
    });
  });
});

describe('OCI metadata: the 32,000-byte limit counts every field kspray sends', () => {
  // 10 RSA-4096-sized keys (~730 B each): what a team's spec.ssh.authorizedKeys can hold.
  const keys = Array.from({ length: 10 }, (_, i) => `ssh-rsa ${randomBytes(540).toString('base64')} user${i}@example.com`);
  const payload = incompressible(25_000);

  it('writes metadata.json (user_data + ssh_authorized_keys) and measures it whole, as the API receives it', () => {
    const p = packagePayload('oci', node('w'), compressible(5_000), 'c', { sshAuthorizedKeys: keys });
    const metadata = JSON.parse(file(p, 'metadata.json').toString('utf8'));
    expect(Object.keys(metadata).sort()).toEqual(['ssh_authorized_keys', 'user_data']);
    expect(metadata.user_data).toBe(file(p, 'user-data.b64').toString('utf8').trim());
    expect(metadata.ssh_authorized_keys.split('\n')).toEqual(keys);
    expect(p.measured).toBe(Buffer.byteLength(JSON.stringify(metadata)));
    expect(p.measured).toBeGreaterThan(metadata.user_data.length + 7_000);
    // Without keys, metadata.json is user_data alone.
    expect(Object.keys(JSON.parse(file(packagePayload('oci', node('w'), compressible(5_000), 'c'), 'metadata.json').toString('utf8')))).toEqual(['user_data']);
  });

  it('a payload that fits alone is refused once the keys are counted, and the hint says what to remove', () => {
    const alone = packageAll('oci', [node('cp-1')], new Map([['cp-1', payload]]), 'c');
    expect(alone[0]!.measured).toBeLessThanOrEqual(32000);
    try {
      packageAll('oci', [node('cp-1')], new Map([['cp-1', payload]]), 'c', { sshAuthorizedKeys: keys });
      expect.unreachable('should refuse');
    } catch (e) {
      const problem = (e as KsprayError).problems[0]!;
      expect(problem.rule).toBe('user-data-fits-provider');
      expect(problem.message).toMatch(/over the limit of 32,000 B \(all metadata together\), even gzipped/);
      expect(problem.hint).toMatch(/ssh_authorized_keys \d+ B, user_data \d+ B\. Remove ssh_authorized_keys first/);
      expect(problem.hint).toContain('spec.secrets.delivery: fetch');
    }
  });
});
