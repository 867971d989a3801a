// PXE delivery: network-config v2 checked by ajv against cloud-init's upstream v2 schema, iPXE
// scripts, and a cidata seed ISO built by the real xorriso and read back file by file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { checkBootValue, ipxeScript } from '../../src/emit/pxe/ipxe.js';
import { DEFAULT_NETWORK, networkConfigObject, nocloudSeed } from '../../src/emit/pxe/nocloud.js';
import { buildCidataIso } from '../../src/io/iso.js';
import { ignitionIpxeScript, ignitionKernelArgs, matchboxDocuments } from '../../src/emit/pxe/ignitionBoot.js';
import { KsprayError } from '../../src/errors/errors.js';
import type { NodeModel } from '../../src/model/model.js';
import { cloudInitNetRender, cloudInitRoot, haveTool, run } from '../helpers/validators.js';
import { loadExample } from '../helpers/fixtures.js';

const node = (name: string, address?: string): NodeModel =>
  ({ name, kind: address ? 'node' : 'pool', address: address?.split(',')[0], addresses: address ? address.split(',') : [], roles: ['worker'], isControlPlane: false, isEtcd: false, isFirstControlPlane: false, os: 'ubuntu-24.04', arch: 'amd64', labels: {}, taints: [], count: 1, specPath: ['spec', 'nodes', 0] }) as unknown as NodeModel;

function networkConfigValidator(): (doc: unknown) => string[] {
  const schema = JSON.parse(readFileSync(new URL('../../schema/upstream/cloud-init-schema-network-config-v2.json', import.meta.url), 'utf8'));
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}

describe('network-config v2', () => {
  const validate = networkConfigValidator();

  it('static with gateway and DNS: passes the upstream schema read back from YAML', () => {
    const seed = nocloudSeed(node('cp-1', '10.0.0.11'), 'demo', '#cloud-config\n', { ...DEFAULT_NETWORK, gateway: '10.0.0.1', nameservers: ['10.0.0.2'], prefix: 22 });
    const nc = seed.find((f) => f.name === 'network-config')!;
    const doc = parse(nc.content, { version: '1.1' });
    expect(validate(doc)).toEqual([]);
    expect(doc).toEqual({
      version: 2,
      ethernets: { primary: { match: { name: 'en*' }, dhcp4: false, addresses: ['10.0.0.11/22'], routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }], nameservers: { addresses: ['10.0.0.2'] } } },
    });
  });

  it('without a gateway keeps DHCP next to the address, and still passes', () => {
    const doc = networkConfigObject(node('w', '10.0.0.21'), DEFAULT_NETWORK)!;
    expect(validate(doc)).toEqual([]);
    expect((doc.ethernets as Record<string, Record<string, unknown>>).primary!.dhcp4).toBe(true);
  });

  it('dual-stack and IPv6-only nodes: every address with its family\'s prefix, each gateway as its default route', () => {
    const net = { ...DEFAULT_NETWORK, gateway: '10.0.0.1', gateway6: 'fd00:10::1', prefix6: 64 };
    const dual = networkConfigObject(node('cp-1', '10.0.0.11,fd00:10::11'), net)!;
    expect(validate(parse(JSON.stringify(dual)))).toEqual([]);
    expect(dual.ethernets).toEqual({
      primary: { match: { name: 'en*' }, dhcp4: false, addresses: ['10.0.0.11/24', 'fd00:10::11/64'], routes: [{ to: '0.0.0.0/0', via: '10.0.0.1' }, { to: '::/0', via: 'fd00:10::1' }] },
    });
    // IPv6-only: no DHCPv4 to ask, no IPv4 route; without --gateway6 the route comes from RAs.
    const v6 = networkConfigObject(node('cp-1', 'fd00:10::11'), { ...DEFAULT_NETWORK, prefix6: 64 })!;
    expect(validate(parse(JSON.stringify(v6)))).toEqual([]);
    expect(v6.ethernets).toEqual({ primary: { match: { name: 'en*' }, dhcp4: false, addresses: ['fd00:10::11/64'] } });
  });

  it('every node of the dual-stack and IPv6 examples gets a valid one', () => {
    for (const name of ['dual-stack', 'ipv6']) {
      for (const n of loadExample(name).nodes) {
        const doc = networkConfigObject(n, { ...DEFAULT_NETWORK, gateway: '10.0.0.1', gateway6: 'fd00:10::1' });
        if (n.kind === 'pool') expect(doc).toBeUndefined();
        else expect(validate(parse(JSON.stringify(doc))), n.name).toEqual([]);
      }
    }
  });

  it.runIf(cloudInitRoot() !== undefined)("cloud-init 22.4's own parser and renderers put both families' addresses and routes on the interface", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-nc6-'));
    const file = join(dir, 'network-config');
    const seed = nocloudSeed(node('cp-1', '10.0.0.11,fd00:10::11'), 'demo', '#cloud-config\n', { ...DEFAULT_NETWORK, interfaceGlob: 'ens3', gateway: '10.0.0.1', gateway6: 'fd00:10::1' });
    writeFileSync(file, seed.find((f) => f.name === 'network-config')!.content);
    const r = cloudInitNetRender(cloudInitRoot()!, file);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { interfaces: Array<{ name: string; subnets: Array<{ type: string; address: string; prefix: number }> }>; networkd: Record<string, string>; eni: string };
    expect(out.interfaces[0]!.subnets.map((x) => [x.type, x.address, x.prefix])).toEqual([
      ['static', '10.0.0.11', 24],
      ['static', 'fd00:10::11', 64],
    ]);
    expect(out.networkd.ens3).toContain('Address=fd00:10::11/64');
    expect(out.networkd.ens3).toContain('Gateway=fd00:10::1');
    expect(out.eni).toContain('iface ens3 inet6 static');
    expect(out.eni).toContain('address fd00:10::11/64');
  });

  it('every node of the HA example gets a valid one; pools get none (DHCP)', () => {
    const model = loadExample('ha');
    for (const n of model.nodes) {
      const doc = networkConfigObject(n, { ...DEFAULT_NETWORK, gateway: '10.0.0.1' });
      if (n.kind === 'pool') expect(doc).toBeUndefined();
      else expect(validate(parse(JSON.stringify(doc))), n.name).toEqual([]);
    }
  });

  it.runIf(cloudInitRoot() !== undefined)("cloud-init 22.4's own parser and renderers (networkd, ENI) put the address, route and DNS on the named interface", () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-nc-'));
    const file = join(dir, 'network-config');
    const seed = nocloudSeed(node('cp-1', '10.0.0.11'), 'demo', '#cloud-config\n', { ...DEFAULT_NETWORK, interfaceGlob: 'ens3', gateway: '10.0.0.1', nameservers: ['10.0.0.2'] });
    writeFileSync(file, seed.find((f) => f.name === 'network-config')!.content);
    const r = cloudInitNetRender(cloudInitRoot()!, file);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { interfaces: Array<{ name: string; subnets: Array<{ type: string; address: string; prefix: number }> }>; nameservers: string[]; networkd: Record<string, string>; eni: string };
    expect(out.interfaces).toEqual([{ name: 'ens3', subnets: [{ type: 'static', address: '10.0.0.11', prefix: 24, gateway: null }] }]);
    expect(out.nameservers).toEqual(['10.0.0.2']);
    expect(out.networkd.ens3).toContain('Name=ens3');
    expect(out.networkd.ens3).toContain('Address=10.0.0.11/24');
    expect(out.networkd.ens3).toContain('Gateway=10.0.0.1');
    expect(out.eni).toContain('iface ens3 inet static');
    expect(out.eni).toContain('address 10.0.0.11/24');
  });

  it('a literal interface name is the ethernets key; a glob goes through match.name', () => {
    expect(networkConfigObject(node('a', '10.0.0.5'), { ...DEFAULT_NETWORK, interfaceGlob: 'eth0' })!.ethernets).toEqual({
      eth0: { dhcp4: true, addresses: ['10.0.0.5/24'] },
    });
    expect(networkConfigObject(node('a', '10.0.0.5'), DEFAULT_NETWORK)!.ethernets).toEqual({
      primary: { match: { name: 'en*' }, dhcp4: true, addresses: ['10.0.0.5/24'] },
    });
  });

  it('the schema catches a broken config (the validator is real)', () => {
    expect(validate({ version: 2, ethernets: { primary: { dhcp4: 'maybe' } } })).not.toEqual([]);
  });

  it('meta-data has the instance-id and, for fixed nodes, the hostname', () => {
    const md = (n: NodeModel) => parse(nocloudSeed(n, 'demo', '#cloud-config\n', DEFAULT_NETWORK).find((f) => f.name === 'meta-data')!.content);
    expect(md(node('cp-1', '10.0.0.11'))).toEqual({ 'instance-id': 'kspray-demo-cp-1', 'local-hostname': 'cp-1' });
    expect(md(node('batch'))).toEqual({ 'instance-id': 'kspray-demo-batch' });
    expect(nocloudSeed(node('batch'), 'demo', 'x', DEFAULT_NETWORK).map((f) => f.name)).toEqual(['user-data', 'meta-data']);
  });
});

describe('iPXE', () => {
  const opts = { kernelUrl: 'http://boot/vmlinuz', initrdUrl: 'http://boot/initrd', seedBase: 'http://seed/demo/', kernelArgs: ['console=ttyS0'] };

  it('boots the kernel with the node seed in cloud-init form', () => {
    const s = ipxeScript(node('cp-1', '10.0.0.11'), 'demo', opts);
    const lines = s.split('\n');
    expect(lines[0]).toBe('#!ipxe');
    expect(lines).toContain('initrd --name initrd http://boot/initrd');
    expect(lines).toContain('kernel http://boot/vmlinuz initrd=initrd ds=nocloud;s=http://seed/demo/cp-1/ console=ttyS0');
    expect(lines.at(-2)).toBe('boot');
  });

  it('refuses a seed URL with a query (a presigned URL): the appended file names would land in the query', () => {
    const presigned = 'https://bucket.example/seed/?X-Amz-Signature=abc';
    expect(() => ipxeScript(node('cp-1', '10.0.0.11'), 'demo', { ...opts, seedBase: presigned })).toThrow(/query or fragment/);
    expect(() => ignitionIpxeScript(node('cp-1', '10.0.0.11'), 'demo', { ...opts, seedBase: 'https://x/seed#frag' })).toThrow(/query or fragment/);
  });

  it('refuses values iPXE or the kernel command line would split or expand', () => {
    for (const bad of ['http://x/${net0/ip}', 'http://x/a b', 'a"b']) {
      expect(() => checkBootValue('--kernel', bad)).toThrow(KsprayError);
    }
    expect(() => ipxeScript(node('w'), 'demo', { ...opts, kernelArgs: ['quiet splash'] })).toThrow(/--kernel-arg/);
  });
});

describe('cidata seed ISO', () => {
  it.runIf(haveTool('xorriso'))('is built by xorriso, labelled cidata, and its files read back byte for byte', () => {
    const seed = nocloudSeed(node('cp-1', '10.0.0.11'), 'demo', '#cloud-config\nhostname: cp-1\n', { ...DEFAULT_NETWORK, gateway: '10.0.0.1' });
    const iso = buildCidataIso(seed);
    // Same seed, same ISO (SOURCE_DATE_EPOCH and fixed file dates).
    expect(buildCidataIso(seed).equals(iso)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'kspray-iso-'));
    writeFileSync(join(dir, 'seed.iso'), iso);
    run('xorriso', ['-osirrox', 'on', '-indev', join(dir, 'seed.iso'), '-extract', '/', join(dir, 'x')]);
    for (const f of seed) expect(readFileSync(join(dir, 'x', f.name), 'utf8'), f.name).toBe(f.content);
    const pvd = run('xorriso', ['-indev', join(dir, 'seed.iso'), '-pvd_info']);
    expect(pvd).toMatch(/Volume Id\s*:\s*cidata\b/);
  });
});

describe('PXE for Ignition nodes (Flatcar, FCOS)', () => {
  const flatcar = { ...node('cp-1', '10.0.0.11'), os: 'flatcar' } as NodeModel;
  const fcos = { ...node('w'), os: 'fedora-coreos' } as NodeModel;
  const boot = { kernelUrl: 'http://b/flatcar.vmlinuz', initrdUrl: 'http://b/flatcar.cpio.gz', kernelArgs: [] as string[] };

  it('boots with ignition.config.url pointing at the served config.ign and the OS first-boot flag', () => {
    const s = ignitionIpxeScript(flatcar, 'demo', { ...boot, seedBase: 'http://seed/demo' });
    expect(s.split('\n')).toContain('kernel http://b/flatcar.vmlinuz initrd=initrd flatcar.first_boot=yes ignition.config.url=http://seed/demo/cp-1/config.ign');
    expect(ignitionKernelArgs(fcos, 'http://x/c.ign')).toEqual(['ignition.firstboot', 'ignition.platform.id=metal', 'ignition.config.url=http://x/c.ign']);
    // FCOS live PXE: its own rootfs, on the kernel command line.
    const f = ignitionIpxeScript(fcos, 'demo', { kernelUrl: 'http://b/fcos-kernel', initrdUrl: 'http://b/fcos-initramfs.img', rootfsUrl: 'http://b/fcos-rootfs.img', kernelArgs: [], seedBase: 'http://seed/demo' });
    expect(f).toContain('kernel http://b/fcos-kernel initrd=initrd coreos.live.rootfs_url=http://b/fcos-rootfs.img ignition.firstboot ignition.platform.id=metal ignition.config.url=http://seed/demo/w/config.ign');
  });

  it('writes matchbox profile and group documents (group selected by MAC when given)', () => {
    const mb = matchboxDocuments(flatcar, 'demo', { ...boot, matchboxUrl: 'http://matchbox:8080/' }, '52:54:00:00:00:01');
    const profile = JSON.parse(mb.profile);
    expect(profile).toMatchObject({ id: 'demo-cp-1', ignition_id: 'demo-cp-1.ign', boot: { kernel: boot.kernelUrl, initrd: [boot.initrdUrl] } });
    expect(profile.boot.args[0]).toBe('initrd=flatcar.cpio.gz'); // iPXE's name for an initrd loaded by URL
    expect(profile.boot.args).toContain('ignition.config.url=http://matchbox:8080/ignition?uuid=${uuid}&mac=${mac:hexhyp}');
    expect(JSON.parse(mb.group)).toEqual({ id: 'demo-cp-1', name: 'kspray demo cp-1', profile: 'demo-cp-1', selector: { mac: '52:54:00:00:00:01' } });
    expect(JSON.parse(matchboxDocuments(flatcar, 'demo', { ...boot, matchboxUrl: 'http://m' }).group).selector).toBeUndefined();
  });
});
