// The delivery commands as users run them (dist/cli/main.js): render --provider, pxe, images.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exampleFile, repoRoot } from './helpers/fixtures.js';
import { haveTool } from './helpers/validators.js';
import { parseHcl } from './helpers/hcl.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
function kspray(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'buffer' });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}
function workdir(example: string, edit?: (s: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-delivery-'));
  if (edit) writeFileSync(join(dir, 'cluster.yaml'), edit(readFileSync(exampleFile(example), 'utf8')));
  else copyFileSync(exampleFile(example), join(dir, 'cluster.yaml'));
  return dir;
}
const maybeGunzip = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);

describe('render --provider', () => {
  it('writes per-cloud files that decode to the payload and prints the size table against the limit', () => {
    const dir = workdir('single');
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'aws'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/aws encoding\s+sent\s+fits 16 KiB before base64/);
    expect(r.err).toMatch(/\ncp-1 .* (raw|gzip) +\d+ +yes/);
    const node = join(dir, 'out', 'single', 'nodes', 'cp-1');
    const payload = readFileSync(join(node, 'user-data'), 'utf8');
    expect(maybeGunzip(readFileSync(join(node, 'aws', 'user-data'))).toString('utf8')).toBe(payload);
    expect(maybeGunzip(Buffer.from(readFileSync(join(node, 'aws', 'user-data.b64'), 'utf8'), 'base64')).toString('utf8')).toBe(payload);

    const az = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--node', 'cp-1', '--provider', 'azure'], dir);
    expect(az.code, az.err).toBe(0);
    expect(maybeGunzip(Buffer.from(az.out.trim(), 'base64')).toString('utf8')).toBe(payload);
  });

  it('refuses a payload over the EC2 limit even gzipped: exit 2, the way out, nothing written', () => {
    // RSA keys make the control-plane payload too big for 16 KiB gzipped.
    const dir = workdir('ha', (s) => s.replace('algorithm: ECDSA-P256', 'algorithm: RSA-2048'));
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'aws'], dir);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/error\[user-data-fits-provider\]: node "cp-1": aws EC2 UserData .* over the limit of 16 KiB before base64, even gzipped/);
    expect(r.err).toContain('#include');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    // --node delivers one payload: a worker that fits is printed although cp-1 does not fit.
    const w = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'aws', '--node', 'worker-1'], dir);
    expect(w.code, w.err).toBe(0);
    expect(w.stdout.length).toBeLessThanOrEqual(16384);
  });

  it('refuses an unknown provider with exit 2', () => {
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--provider', 'nimbus'], workdir('single'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('error[known-provider]: unknown provider "nimbus"');
  });
});

describe('kspray pxe', () => {
  it('writes iPXE scripts, NoCloud seeds and (with xorriso) cidata ISOs', () => {
    const dir = workdir('single');
    const r = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--kernel', 'http://boot/vmlinuz', '--initrd', 'http://boot/initrd', '--seed-url', 'http://seed/single', '--gateway', '10.0.0.1'], dir);
    expect(r.code, r.err).toBe(0);
    const pxe = join(dir, 'out', 'single', 'pxe');
    expect(readFileSync(join(pxe, 'ipxe', 'cp-1.ipxe'), 'utf8')).toContain('ds=nocloud;s=http://seed/single/cp-1/');
    expect(readFileSync(join(pxe, 'seed', 'cp-1', 'user-data'), 'utf8').startsWith('#cloud-config\n')).toBe(true);
    expect(readFileSync(join(pxe, 'seed', 'cp-1', 'network-config'), 'utf8')).toContain('via: 10.0.0.1');
    expect(existsSync(join(dir, 'out', 'single', 'secrets', 'ca.key'))).toBe(true);
    // --iso auto: an ISO exactly when xorriso is there (CI installs it; locally it may be missing).
    expect(existsSync(join(pxe, 'iso', 'cp-1-cidata.iso'))).toBe(haveTool('xorriso'));
  });

  it('needs --seed-url with --kernel, and refuses a $ in a boot value (exit 2)', () => {
    const dir = workdir('single');
    const a = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--kernel', 'http://boot/vmlinuz', '--initrd', 'http://boot/initrd'], dir);
    expect(a.code).toBe(2);
    expect(a.err).toContain('error[required-flag]: kspray pxe needs --seed-url');
    const b = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--kernel', 'http://boot/${x}', '--initrd', 'http://boot/initrd', '--seed-url', 'http://s'], dir);
    expect(b.code).toBe(2);
    expect(b.err).toContain('error[boot-value-safe]');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('kspray pxe (Flatcar example)', () => {
  it('serves the full Ignition config and writes iPXE scripts and matchbox documents', () => {
    const dir = workdir('flatcar-ha');
    const r = kspray(['pxe', '-f', 'cluster.yaml', '--out', 'out', '--seed-url', 'http://seed/fc', '--ignition-kernel', 'http://b/k', '--ignition-initrd', 'http://b/i', '--matchbox-url', 'http://mb:8080', '--mac', 'cp-1=52:54:00:00:00:01'], dir);
    expect(r.code, r.err).toBe(0);
    const out = join(dir, 'out', 'flatcar-ha');
    const config = JSON.parse(readFileSync(join(out, 'pxe', 'seed', 'cp-1', 'config.ign'), 'utf8'));
    expect(config.ignition.version).toBeDefined();
    expect(config.storage).toBeDefined(); // the full config, not the pointer
    expect(readFileSync(join(out, 'pxe', 'ipxe', 'cp-1.ipxe'), 'utf8')).toContain('ignition.config.url=http://seed/fc/cp-1/config.ign');
    expect(JSON.parse(readFileSync(join(out, 'pxe', 'matchbox', 'groups', 'flatcar-ha-cp-1.json'), 'utf8')).selector).toEqual({ mac: '52:54:00:00:00:01' });
    expect(existsSync(join(out, 'pxe', 'seed', 'cp-1', 'user-data'))).toBe(false);
  });
});

describe('kspray images', () => {
  it('writes parseable templates and never writes the secrets bundle', () => {
    const dir = workdir('single');
    const r = kspray(['images', '-f', 'cluster.yaml', '--out', 'out', '--builder', 'amazon-ebs,qemu'], dir);
    expect(r.code, r.err).toBe(0);
    const packer = join(dir, 'out', 'single', 'packer', 'ubuntu-24.04-amd64');
    for (const b of ['amazon-ebs', 'qemu']) expect(() => parseHcl(readFileSync(join(packer, `${b}.pkr.hcl`), 'utf8'))).not.toThrow();
    expect(existsSync(join(packer, 'googlecompute.pkr.hcl'))).toBe(false);
    expect(existsSync(join(dir, 'out', 'single', 'secrets'))).toBe(false);
    const bad = kspray(['images', '-f', 'cluster.yaml', '--out', 'out', '--builder', 'amazon-ebs,hyperv'], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--builder "hyperv"');
  });
});
