// Every PXE network-config form kspray writes, rendered by cloud-init 22.4's own `devel net-convert`
// for each renderer the supported OSes use (sysconfig: RHEL family/openSUSE, networkd: Amazon Linux,
// ENI: Debian 12, netplan: Ubuntu): the node's address lands on a device the renderer will find.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_NETWORK, MAC_MATCHED_NAME, networkConfigObject } from '../../src/emit/pxe/nocloud.js';
import type { NodeModel } from '../../src/model/model.js';
import { toYaml } from '../../src/text/yaml.js';
import { cloudInitRoot, tool } from '../helpers/validators.js';

const node = { name: 'cp-1', address: '10.0.0.11', kind: 'node', os: 'rocky-9' } as unknown as NodeModel;
const MAC = '52:54:00:12:34:56';

/** Renders with cloud-init's net-convert and returns every written file's text, by path. */
function netConvert(root: string, config: unknown, renderer: string, distro: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-netconv-'));
  try {
    writeFileSync(join(dir, 'network-config'), toYaml(config));
    const r = spawnSync(tool('python3'), [join(root, 'usr/bin/cloud-init'), 'devel', 'net-convert', '-p', join(dir, 'network-config'), '-k', 'yaml', '-d', join(dir, 'out'), '-D', distro, '-O', renderer], {
      env: { ...process.env, PYTHONPATH: join(root, 'usr/lib/python3/dist-packages') },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`net-convert ${renderer}: ${r.stderr}`);
    const files: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else files[p.slice(join(dir, 'out').length)] = readFileSync(p, 'utf8');
      }
    };
    walk(join(dir, 'out'));
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const RENDERERS = [
  { renderer: 'sysconfig', distro: 'rhel' },
  { renderer: 'networkd', distro: 'amazon' },
  { renderer: 'eni', distro: 'debian' },
  { renderer: 'netplan', distro: 'ubuntu' },
] as const;

describe.runIf(cloudInitRoot() !== undefined)("network-config through cloud-init's own renderers", () => {
  const root = cloudInitRoot()!;

  it('matched by MAC: every renderer binds the address to that MAC under one name', () => {
    const cfg = networkConfigObject(node, { ...DEFAULT_NETWORK, gateway: '10.0.0.1' }, MAC)!;
    for (const { renderer, distro } of RENDERERS) {
      const all = Object.values(netConvert(root, cfg, renderer, distro)).join('\n');
      expect(all, renderer).toContain('10.0.0.11');
      expect(all.toLowerCase(), renderer).toContain(MAC);
      expect(all, renderer).toContain(MAC_MATCHED_NAME);
      expect(all, renderer).not.toMatch(/\bprimary\b/);
    }
  });

  it('a literal name: every renderer configures that device', () => {
    const cfg = networkConfigObject(node, { ...DEFAULT_NETWORK, interfaceGlob: 'ens3' })!;
    for (const { renderer, distro } of RENDERERS) {
      const files = netConvert(root, cfg, renderer, distro);
      const all = Object.values(files).join('\n');
      expect(all, renderer).toContain('10.0.0.11');
      expect(all, renderer).toMatch(/\bens3\b/);
    }
  });

  it('a glob: netplan keeps match.name; the others would configure a device named "primary" (why kspray refuses it there)', () => {
    const cfg = networkConfigObject(node, DEFAULT_NETWORK)!;
    expect(Object.values(netConvert(root, cfg, 'netplan', 'ubuntu')).join('\n')).toMatch(/match:\s*\n\s*name: en\*/);
    expect(Object.keys(netConvert(root, cfg, 'sysconfig', 'rhel'))).toContain('/etc/sysconfig/network-scripts/ifcfg-primary');
    expect(Object.values(netConvert(root, cfg, 'networkd', 'amazon')).join('\n')).toMatch(/Name=primary/);
  });
});
