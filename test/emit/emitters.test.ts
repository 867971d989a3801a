// What the cloud-init and Ignition emitters promise about one plan, checked in-process on a small
// hand-made plan (each test builds its own, so mutation testing runs only the tests that reach a
// change): every planned file arrives with its bytes and mode, units and drop-ins land where
// systemd reads them, the bootstrap unit is started, hostnames only for fixed nodes, fetched files
// are pinned by their sha512, the output is byte-stable, and an invalid entry is refused at the
// spec path that produced it.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cloudConfigObject, emitCloudInit, gzipPayload } from '../../src/emit/cloudInit.js';
import { checkIgnition, dataUrl, emitIgnition, ignitionConfig, originOf, pointerConfig, problemsFromIgnitionValidate, stableJson } from '../../src/emit/ignition.js';
import { KsprayError } from '../../src/errors/errors.js';
import { addFile, newPlan, type NodePlan } from '../../src/plan/nodePlan.js';
import type { NodeModel } from '../../src/model/model.js';
import { loadExample } from '../helpers/fixtures.js';

/** A plan with a unit, a drop-in of another unit, a secret and a plain file, added out of path order. */
function plan(over: Partial<NodeModel> = {}): NodePlan {
  const node = { ...loadExample('single').nodes[0]!, ...over } as NodeModel;
  const p = newPlan(node);
  const add = (path: string, content: string, mode?: number) => addFile(p, { path, content, ...(mode === undefined ? {} : { mode }), builder: 'test', origin: ['spec', 'nodes', 0, path] });
  add('/etc/systemd/system/kubelet.service.d/10-kubeadm.conf', '[Service]\nEnvironment=A=1\n');
  add('/etc/kspray/node.env', "KSPRAY_ACTION='init'\n", 0o600);
  add('/etc/systemd/system/kspray-bootstrap.service', '[Service]\nType=oneshot\n');
  add('/usr/local/lib/kspray/kspray-node.sh', '#!/bin/bash\necho hi\n', 0o755);
  add('/etc/kubernetes/pki/ca.key', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 0o600);
  p.startUnits = ['kspray-bootstrap.service'];
  return p;
}
const decode = (c: { source: string; compression?: string }): string => {
  if (c.source.startsWith('data:;base64,')) {
    const raw = Buffer.from(c.source.slice('data:;base64,'.length), 'base64');
    return (c.compression === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
  }
  expect(c.compression).toBeUndefined();
  return decodeURIComponent(c.source.slice('data:,'.length));
};

describe('cloud-init', () => {
  it('every file in path order with its bytes and its mode as an octal string, owned by root', () => {
    const p = plan();
    const c = parse(emitCloudInit(p), { version: '1.1' }) as { write_files: Array<Record<string, string>> };
    expect(c.write_files.map((f) => f.path)).toEqual([...p.files.keys()].sort());
    for (const f of c.write_files) {
      const planned = p.files.get(f.path!)!;
      expect(f).toEqual({ path: planned.path, owner: 'root:root', permissions: `0${planned.mode.toString(8)}`, content: planned.content });
    }
    expect(c.write_files.find((f) => f.path === '/etc/kspray/node.env')!.permissions).toBe('0600');
  });

  it('a fixed node gets its name as hostname (not preserved); a pool member keeps the cloud\'s; keys only when given', () => {
    const p = plan();
    const fixed = cloudConfigObject(p);
    expect(fixed.hostname).toBe(p.node.name);
    expect(fixed.preserve_hostname).toBe(false);
    expect('ssh_authorized_keys' in fixed).toBe(false);
    const pool = plan({ kind: 'pool' });
    pool.sshAuthorizedKeys = ['ssh-ed25519 AAAA user@host'];
    const c = cloudConfigObject(pool);
    expect('hostname' in c || 'preserve_hostname' in c).toBe(false);
    expect(c.ssh_authorized_keys).toEqual(['ssh-ed25519 AAAA user@host']);
  });

  it('starts each unit the plan starts, without blocking cloud-init, after a daemon-reload; starts nothing else', () => {
    const p = plan();
    p.startUnits = ['a.service', 'b.timer'];
    const text = emitCloudInit(p);
    expect(text.startsWith('#cloud-config\n')).toBe(true);
    expect((parse(text) as { runcmd: unknown }).runcmd).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', '--now', '--no-block', 'a.service'],
      ['systemctl', 'enable', '--now', '--no-block', 'b.timer'],
    ]);
    p.startUnits = [];
    expect(cloudConfigObject(p).runcmd).toEqual([['systemctl', 'daemon-reload']]);
  });

  it('gzips deterministically at zlib\'s default level 6, and the payload comes back byte for byte', () => {
    const text = emitCloudInit(plan());
    const a = gzipPayload(text);
    expect(a.equals(gzipPayload(text))).toBe(true);
    expect(gunzipSync(a).toString('utf8')).toBe(text);
    expect(a[0]).toBe(0x1f);
    expect(a.subarray(4, 8).readUInt32LE()).toBe(0); // mtime 0
    expect(a[8]).toBe(0); // XFL: 0 for levels 2-8 (zlib writes 2 for level 9, 4 for level 1); see gzipPayload for why 6
  });
});

describe('Ignition', () => {
  it('units and drop-ins go to systemd, the bootstrap unit enabled; every other file to storage with its mode and bytes', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    const { config } = ignitionConfig(p, '3.3.0');
    expect(config.systemd).toEqual({
      units: [
        { name: 'kspray-bootstrap.service', contents: '[Service]\nType=oneshot\n', enabled: true },
        { name: 'kubelet.service', dropins: [{ name: '10-kubeadm.conf', contents: '[Service]\nEnvironment=A=1\n' }] },
      ],
    });
    const storage = config.storage as { files: Array<{ path: string; mode: number; overwrite: boolean; contents: { source: string; compression?: string } }>; directories: unknown };
    expect(storage.files.map((f) => f.path)).toEqual(['/etc/hostname', '/etc/kspray/node.env', '/etc/kubernetes/pki/ca.key', '/usr/local/lib/kspray/kspray-node.sh']);
    for (const f of storage.files) {
      expect(f.overwrite).toBe(true);
      if (f.path === '/etc/hostname') {
        expect([f.mode, decode(f.contents)]).toEqual([0o644, `${p.node.name}\n`]);
        continue;
      }
      expect([f.mode, decode(f.contents)]).toEqual([p.files.get(f.path)!.mode, p.files.get(f.path)!.content]);
    }
    expect(storage.directories).toEqual([
      { path: '/etc/kspray', mode: 0o755, overwrite: true },
      { path: '/var/lib/kspray', mode: 0o755, overwrite: true },
    ]);
    expect(config.ignition).toEqual({ version: '3.3.0' });
    expect('passwd' in config).toBe(false);
  });

  it('a pool member gets no /etc/hostname; SSH keys go to the OS default user', () => {
    const p = plan({ kind: 'pool', os: 'flatcar' } as Partial<NodeModel>);
    p.sshAuthorizedKeys = ['ssh-ed25519 AAAA a'];
    const { config, origins } = ignitionConfig(p, '3.4.0');
    expect((config.storage as { files: Array<{ path: string }> }).files.map((f) => f.path)).not.toContain('/etc/hostname');
    expect(config.passwd).toEqual({ users: [{ name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAA a'] }] });
    expect(origins).toContainEqual({ pointer: '/passwd/users/0', origin: ['spec', 'ssh', 'authorizedKeys'], what: 'passwd.users' });
    expect(config.ignition).toEqual({ version: '3.4.0' });
  });

  it('fetched files (delivery fetch) carry the sha512 of the rendered bytes, and the server CA is the only one trusted', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    const key = p.files.get('/etc/kubernetes/pki/ca.key')!.content;
    const { config } = ignitionConfig(p, '3.3.0', { sources: new Map([['/etc/kubernetes/pki/ca.key', 'https://s.example/cp-1/ca.key']]), caCert: 'CA PEM\n' });
    const files = (config.storage as { files: Array<{ path: string; contents: Record<string, unknown> }> }).files;
    expect(files.find((f) => f.path === '/etc/kubernetes/pki/ca.key')!.contents).toEqual({
      source: 'https://s.example/cp-1/ca.key',
      verification: { hash: `sha512-${createHash('sha512').update(key).digest('hex')}` },
    });
    expect(JSON.stringify(config)).not.toContain('BEGIN PRIVATE KEY');
    const cas = (config.ignition as { security: { tls: { certificateAuthorities: Array<{ source: string }> } } }).security.tls.certificateAuthorities;
    expect(cas.map(decode)).toEqual(['CA PEM\n']);
    expect((ignitionConfig(p, '3.3.0', { sources: new Map() }).config.ignition as object)).toEqual({ version: '3.3.0' });
  });

  it('data URLs: gzip only when shorter; stable JSON sorts keys at every level and keeps array order', () => {
    const long = 'x'.repeat(500);
    expect(dataUrl(long).compression).toBe('gzip');
    expect(decode(dataUrl(long))).toBe(long);
    expect(dataUrl('a b')).toEqual({ source: 'data:,a%20b' });
    expect(stableJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('the same plan gives the same bytes whatever order files were added in', () => {
    const a = plan({ os: 'flatcar' } as Partial<NodeModel>);
    const b = newPlan(a.node);
    for (const f of [...a.files.values()].reverse()) addFile(b, f);
    b.startUnits = a.startUnits;
    expect(emitIgnition(b, '3.3.0')).toBe(emitIgnition(a, '3.3.0'));
    expect(emitIgnition(a, '3.3.0').endsWith('}\n')).toBe(true);
    expect(emitCloudInit(b)).toBe(emitCloudInit(a));
  });

  it('the pointer config replaces itself with the full one, pinned by its sha512', () => {
    const full = emitIgnition(plan({ os: 'flatcar' } as Partial<NodeModel>), '3.3.0');
    const ptr = JSON.parse(pointerConfig(full, 'https://x/cp-1/config.ign', '3.4.0'));
    expect(ptr).toEqual({ ignition: { version: '3.4.0', config: { replace: { source: 'https://x/cp-1/config.ign', verification: { hash: `sha512-${createHash('sha512').update(full).digest('hex')}` } } } } });
  });
});

describe('Ignition: what Ignition would refuse is refused here, at the spec path', () => {
  const bad = (path: string, mode = 0o644) => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    addFile(p, { path, content: 'x', mode, builder: 'test', origin: ['spec', 'files', 7] });
    return p;
  };
  const detailsOf = (p: NodePlan) => checkIgnition(p.node.name, ignitionConfig(p, '3.3.0')).map((x) => x.message);

  it('relative, dot, double-slash and trailing-slash paths', () => {
    for (const path of ['etc/x', '/etc/./x', '/etc/../x', '/etc//x', '/etc/x/', '/.', '/etc/..']) {
      expect(detailsOf(bad(path)), path).toEqual([expect.stringContaining(`path "${path}" is not absolute and normalized`)]);
    }
    for (const path of ['/etc/.hidden', '/etc/x..y', '/etc/..x']) expect(detailsOf(bad(path)), path).toEqual([]);
  });

  it('modes out of range, and a path written twice', () => {
    expect(detailsOf(bad('/etc/m', 0o10000))).toEqual([expect.stringContaining('mode 4096 is out of range')]);
    expect(detailsOf(bad('/etc/m', -1))).toEqual([expect.stringContaining('mode -1 is out of range')]);
    expect(detailsOf(bad('/etc/m', 1.5))).toEqual([expect.stringContaining('is out of range')]);
    expect(detailsOf(bad('/etc/m', 0o7777))).toEqual([]);
    expect(detailsOf(bad('/etc/m', 0))).toEqual([]);
    // A file at a directory Ignition creates: the second entry names the first.
    expect(detailsOf(bad('/etc/kspray'))).toEqual([expect.stringMatching(/at \/storage\/directories\/0\/path.*path "\/etc\/kspray" is also written by \/storage\/files\/\d+$/)]);
  });

  it('unit names without a unit suffix and drop-ins not ending in .conf; emitIgnition throws them at the spec path', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    p.startUnits = ['kspray-bootstrap.service', 'noSuffix'];
    const c = ignitionConfig(p, '3.3.0');
    const units = (c.config.systemd as { units: Array<{ name: string; dropins?: Array<{ name: string }> }> }).units;
    (units.find((u) => u.name === 'kubelet.service')!.dropins ??= []).push({ name: 'bad.txt' });
    expect(checkIgnition(p.node.name, c).map((x) => x.message)).toEqual([
      `the Ignition config of "${p.node.name}" is invalid at /systemd/units/1/dropins/1/name (kubelet.service): drop-in "bad.txt" must end in .conf`,
      `the Ignition config of "${p.node.name}" is invalid at /systemd/units/2/name (noSuffix): "noSuffix" is not a systemd unit name`,
    ]);
    let error: unknown;
    try {
      emitIgnition(bad('/etc//x'), '3.3.0');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KsprayError);
    expect((error as KsprayError).kind).toBe('input');
    expect((error as KsprayError).problems[0]!.path).toEqual(['spec', 'files', 7]);
    for (const name of ['a.socket', 'a.timer', 'a.target', 'a.path', 'a.mount', 'a.slice', 'a.device', 'a.swap', 'a.scope', 'a.automount']) {
      const q = plan({ os: 'flatcar' } as Partial<NodeModel>);
      q.startUnits = [name];
      expect(detailsOf(q), name).toEqual([]);
    }
  });

  it('maps ignition-validate output and JSON pointers to the deepest entry that produced them', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    const c = ignitionConfig(p, '3.3.0');
    const files = (c.config.storage as { files: Array<{ path: string }> }).files;
    const i = files.findIndex((f) => f.path === '/etc/kspray/node.env');
    expect(originOf(c, `/storage/files/${i}/contents/source`)).toEqual({ pointer: `/storage/files/${i}`, origin: ['spec', 'nodes', 0, '/etc/kspray/node.env'], what: '/etc/kspray/node.env' });
    expect(originOf(c, `$.storage.files.${i}.mode`)!.what).toBe('/etc/kspray/node.env');
    expect(originOf(c, `/storage/files/${i}0`)).toBeUndefined();
    const units = (c.config.systemd as { units: Array<{ name: string }> }).units;
    const k = units.findIndex((u) => u.name === 'kubelet.service');
    expect(originOf(c, `/systemd/units/${k}/dropins/0/contents`)!.what).toBe('kubelet.service.d/10-kubeadm.conf');
    expect(originOf(c, `/systemd/units/${k}/name`)!.what).toBe('kubelet.service');
    const problems = problemsFromIgnitionValidate(p.node.name, c, `warning at $.x: ignored\nerror at $.storage.files.${i}.path, line 1 col 111: bad path\nerror at $.nowhere: odd\n`);
    expect(problems.map((x) => [x.message, x.path])).toEqual([
      [`the Ignition config of "${p.node.name}" is invalid at $.storage.files.${i}.path (/etc/kspray/node.env): bad path`, ['spec', 'nodes', 0, '/etc/kspray/node.env']],
      [`the Ignition config of "${p.node.name}" is invalid at $.nowhere: odd`, undefined],
    ]);
  });
});

describe('Ignition: order, shapes and origins', () => {
  it('files, units and drop-ins of every unit kind sort by path and name, the hostname among them; a started unit with no file is still listed', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    for (const [path, content] of [
      ['/boot/first', 'b'],
      ['/etc/systemd/system/z.socket', '[Socket]\n'],
      ['/etc/systemd/system/backup.timer.d/10-when.conf', '[Timer]\n'],
      ['/etc/systemd/system/m.mount', '[Mount]\n'],
      ['/etc/systemd/system/notes.txt', 'not a unit\n'],
      ['/etc/systemd/system/kubelet.service.d/README', 'not a drop-in\n'],
    ]) addFile(p, { path: path!, content: content!, builder: 'test', origin: ['spec', path!] });
    p.startUnits = ['kspray-bootstrap.service', 'a-first.target'];
    const { config, origins } = ignitionConfig(p, '3.3.0');
    const files = (config.storage as { files: Array<{ path: string }> }).files.map((f) => f.path);
    expect(files).toEqual(['/boot/first', '/etc/hostname', '/etc/kspray/node.env', '/etc/kubernetes/pki/ca.key', '/etc/systemd/system/kubelet.service.d/README', '/etc/systemd/system/notes.txt', '/usr/local/lib/kspray/kspray-node.sh']);
    const units = (config.systemd as { units: Array<Record<string, unknown>> }).units;
    expect(units.map((u) => u.name)).toEqual(['a-first.target', 'backup.timer', 'kspray-bootstrap.service', 'kubelet.service', 'm.mount', 'z.socket']);
    expect(units[0]).toEqual({ name: 'a-first.target', enabled: true });
    expect(units[1]).toEqual({ name: 'backup.timer', dropins: [{ name: '10-when.conf', contents: '[Timer]\n' }] });
    expect(units[4]).toEqual({ name: 'm.mount', contents: '[Mount]\n' });
    // Every entry points back at its spec path, directories at the node.
    const c = ignitionConfig(p, '3.3.0');
    expect(originOf(c, '/storage/directories/1/mode')).toEqual({ pointer: '/storage/directories/1', origin: p.node.specPath, what: '/var/lib/kspray' });
    expect(originOf(c, '/storage/files/0/path')).toEqual({ pointer: '/storage/files/0', origin: ['spec', '/boot/first'], what: '/boot/first' });
    expect(originOf(c, '/storage/files/1')!.origin).toEqual([...p.node.specPath, 'name']);
    expect(originOf(c, '/systemd/units/5/contents')).toEqual({ pointer: '/systemd/units/5', origin: ['spec', '/etc/systemd/system/z.socket'], what: 'z.socket' });
    expect(origins.filter((o) => o.pointer.startsWith('/storage/files/'))).toHaveLength(files.length);
  });

  it('SSH keys go to "core" where the OS names no default user', () => {
    const p = plan();
    p.sshAuthorizedKeys = ['ssh-ed25519 AAAA a'];
    expect(ignitionConfig(p, '3.3.0').config.passwd).toEqual({ users: [{ name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAA a'] }] });
  });

  it('ignition-validate lines are read whole: only lines that start with "error at", any line number', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    const c = ignitionConfig(p, '3.3.0');
    const out = 'xerror at $.a: no\nerror at $.storage, line 12 col 3: one\nerror at $.b: two, trailing\n';
    expect(problemsFromIgnitionValidate(p.node.name, c, out).map((x) => x.message)).toEqual([
      `the Ignition config of "${p.node.name}" is invalid at $.storage: one`,
      `the Ignition config of "${p.node.name}" is invalid at $.b: two, trailing`,
    ]);
  });

  it('names that only start or end like a unit or a drop-in are refused, with the pointer of the entry', () => {
    const p = plan({ os: 'flatcar' } as Partial<NodeModel>);
    p.startUnits = ['x.service.bak', 'dir/y.service'];
    const c = ignitionConfig(p, '3.3.0');
    const units = (c.config.systemd as { units: Array<{ name: string; dropins?: Array<{ name: string }> }> }).units;
    units.find((u) => u.name === 'kubelet.service')!.dropins!.push({ name: '20.conf.bak' }, { name: 'sub/30.conf' });
    const msgs = checkIgnition(p.node.name, c).map((x) => x.message.replace(/^the Ignition config of "[^"]+" is invalid at /, ''));
    expect(msgs).toEqual([
      '/systemd/units/0/name (dir/y.service): "dir/y.service" is not a systemd unit name',
      '/systemd/units/2/dropins/1/name (kubelet.service): drop-in "20.conf.bak" must end in .conf',
      '/systemd/units/2/dropins/2/name (kubelet.service): drop-in "sub/30.conf" must end in .conf',
      '/systemd/units/3/name (x.service.bak): "x.service.bak" is not a systemd unit name',
    ]);
    const m = checkIgnition(p.node.name, ignitionConfig((() => { const q = plan({ os: 'flatcar' } as Partial<NodeModel>); addFile(q, { path: '/etc/big', content: 'x', mode: 0o17777, builder: 'test', origin: ['spec'] }); return q; })(), '3.3.0'));
    expect(m.map((x) => x.message)).toEqual([expect.stringMatching(/invalid at \/storage\/files\/0\/mode \(\/etc\/big\): mode 8191 is out of range$/)]);
  });
});
