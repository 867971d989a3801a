// What the bootstrap and pkiFiles builders tell each kind of node, beyond builders.test.ts's
// stacked-etcd cluster: external etcd members (etcd only), control planes that wait for them, etcd
// members that also run Kubernetes, IPv6 addresses in URLs, cri-o, spec.proxy, the install subset a
// Packer bake runs with, and the kubeadm PKI placed on control planes only. In-process and
// self-contained per test (mutation testing runs only the tests that reach a change).
import { describe, expect, it } from 'vitest';
import type { ClusterModel, NodeModel } from '../../src/model/model.js';
import { bootstrapBuilder, INSTALL_ENV_KEYS, installEnv, nodeAction, nodeEnv, NODE_PROGRAM_PATH, nodeProgramPath, waitFor } from '../../src/plan/builders/bootstrap.js';
import { PKI_DIR, pkiFilesBuilder } from '../../src/plan/builders/pkiFiles.js';
import { newPlan } from '../../src/plan/nodePlan.js';
import type { IssuedPki } from '../../src/secrets/types.js';
import { loadExample } from '../helpers/fixtures.js';

/** node.env back as a map (values are single-quoted by envFile; none of these holds a quote). */
const envMap = (text: string): Record<string, string> =>
  Object.fromEntries(text.trimEnd().split('\n').map((l) => {
    const m = /^([A-Z_]+)='(.*)'$/.exec(l);
    if (!m) throw new Error(`not an env line: ${l}`);
    return [m[1]!, m[2]!];
  }));
const nodeOf = (m: ClusterModel, name: string): NodeModel => {
  const n = m.nodes.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};
const env = (m: ClusterModel, name: string) => envMap(nodeEnv(m, nodeOf(m, name)));

describe('external etcd', () => {
  it('an etcd member runs etcd only: action etcd, waits for nothing, no local API, no etcd endpoints of its own', () => {
    const m = loadExample('external-etcd');
    const e = env(m, 'etcd-1');
    expect(nodeAction(nodeOf(m, 'etcd-1'))).toBe('etcd');
    expect(e.KSPRAY_ACTION).toBe('etcd');
    expect(e.KSPRAY_WAIT_FOR).toBe('');
    expect(waitFor(m, nodeOf(m, 'etcd-1'))).toEqual([]);
    expect(e.KSPRAY_LOCAL_API_SERVER).toBe('');
    expect(e.KSPRAY_ETCD_ENDPOINTS).toBe('');
    expect('KSPRAY_ETCD_MEMBER' in e).toBe(false);
  });

  it('control planes wait for the etcd members (every client URL); workers are never told them', () => {
    const m = loadExample('external-etcd');
    const endpoints = m.nodes.filter((n) => n.isEtcd).map((n) => `https://${n.address}:2379`).join(' ');
    expect(env(m, 'cp-1').KSPRAY_ETCD_ENDPOINTS).toBe(endpoints);
    expect(env(m, 'cp-2').KSPRAY_ETCD_ENDPOINTS).toBe(endpoints);
    const worker = m.nodes.find((n) => !n.isControlPlane && !n.isEtcd)!;
    expect(env(m, worker.name).KSPRAY_ETCD_ENDPOINTS).toBe('');
    // The first control plane inits: it waits for etcd (the program does), not for another control plane.
    expect(env(m, 'cp-1').KSPRAY_WAIT_FOR).toBe('');
    expect(env(m, 'cp-2').KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:6443/readyz');
  });

  it('an etcd member that also runs Kubernetes runs its etcd phase first (KSPRAY_ETCD_MEMBER=yes) and then joins', () => {
    const base = loadExample('external-etcd');
    const m: ClusterModel = { ...base, nodes: base.nodes.map((n) => (n.name === 'etcd-1' ? { ...n, roles: [...n.roles, 'worker'] } : n)) };
    const e = env(m, 'etcd-1');
    expect(e.KSPRAY_ETCD_MEMBER).toBe('yes');
    expect(e.KSPRAY_ACTION).toBe('join-worker');
    expect(e.KSPRAY_WAIT_FOR).toBe('https://10.0.0.11:6443/readyz');
    expect('KSPRAY_ETCD_MEMBER' in env(m, 'cp-1')).toBe(false);
  });
});

describe('addresses and options', () => {
  it('IPv6 addresses are bracketed in the URLs a node waits for', () => {
    const m = loadExample('ipv6');
    const cps = m.nodes.filter((n) => n.isControlPlane);
    expect(env(m, cps[1]!.name).KSPRAY_WAIT_FOR).toBe(`https://[${cps[0]!.address}]:${m.controlPlane.bindPort}/readyz`);
  });

  it('cri-o: node.env says so and containerd is not installed; containerd clusters say nothing about it', () => {
    const m = loadExample('single');
    const crio: ClusterModel = { ...m, containerRuntime: { ...m.containerRuntime, name: 'cri-o' } as ClusterModel['containerRuntime'] };
    const cp = m.nodes[0]!.name;
    expect(env(crio, cp).KSPRAY_CONTAINER_RUNTIME).toBe('cri-o');
    expect(env(crio, cp).KSPRAY_INSTALL_CONTAINERD).toBe('no');
    expect('KSPRAY_CONTAINER_RUNTIME' in env(m, cp)).toBe(false);
    expect(env(m, cp).KSPRAY_INSTALL_CONTAINERD).toBe('yes');
  });

  it('spec.proxy reaches the program (an unset scheme as empty); no proxy, no keys', () => {
    const m = loadExample('single');
    const cp = m.nodes[0]!.name;
    expect(Object.keys(env(m, cp)).filter((k) => k.includes('PROXY') && k !== 'KSPRAY_KUBE_PROXY_SERVER')).toEqual([]);
    const withHttp: ClusterModel = { ...m, proxy: { http: 'http://proxy:3128', noProxy: 'localhost,10.0.0.0/8' } as ClusterModel['proxy'] };
    expect(env(withHttp, cp)).toMatchObject({ KSPRAY_HTTP_PROXY: 'http://proxy:3128', KSPRAY_HTTPS_PROXY: '', KSPRAY_NO_PROXY: 'localhost,10.0.0.0/8' });
    const withHttps: ClusterModel = { ...m, proxy: { https: 'http://sproxy:3129', noProxy: 'localhost' } as ClusterModel['proxy'] };
    expect(env(withHttps, cp)).toMatchObject({ KSPRAY_HTTP_PROXY: '', KSPRAY_HTTPS_PROXY: 'http://sproxy:3129', KSPRAY_NO_PROXY: 'localhost' });
  });

  it('a Packer bake runs with exactly the install keys of the booted node, same values', () => {
    const m = loadExample('single');
    const node = m.nodes[0]!;
    const full = envMap(nodeEnv(m, node));
    const install = installEnv(m, node);
    expect(install.map(([k]) => k)).toEqual(Object.keys(full).filter((k) => INSTALL_ENV_KEYS.includes(k)));
    for (const [k, v] of install) expect(v).toBe(full[k]);
    expect(install.map(([k]) => k)).toEqual(expect.arrayContaining(['KSPRAY_BIN_DIR', 'KSPRAY_INSTALL_CONTAINERD', 'KSPRAY_PACKAGE_MANAGER', 'KSPRAY_PACKAGES', 'KSPRAY_SELINUX', 'KSPRAY_FIREWALLD']));
    expect(INSTALL_ENV_KEYS).toEqual(['KSPRAY_BIN_DIR', 'KSPRAY_INSTALL_CONTAINERD', 'KSPRAY_CONTAINER_RUNTIME', 'KSPRAY_PACKAGE_MANAGER', 'KSPRAY_PACKAGES', 'KSPRAY_SELINUX', 'KSPRAY_FIREWALLD', 'KSPRAY_KERNEL_PACKAGES']);
  });

  it('every bootstrap file names its builder and the node it came from', () => {
    const m = loadExample('single');
    const node = m.nodes[0]!;
    const plan = newPlan(node);
    bootstrapBuilder.build({ model: m, node, pki: {} as IssuedPki, plan });
    expect(bootstrapBuilder.name).toBe('bootstrap');
    expect(NODE_PROGRAM_PATH).toBe(nodeProgramPath('ubuntu-24.04'));
    expect(plan.files.has(NODE_PROGRAM_PATH)).toBe(true);
    for (const f of plan.files.values()) expect([f.path, f.builder, f.origin]).toEqual([f.path, 'bootstrap', node.specPath]);
  });
});

describe('pkiFiles', () => {
  // The PKI's contract (secrets/types.ts): the files of one control plane, relative to /etc/kubernetes/pki.
  const pki = {
    controlPlaneFiles: (name: string) => [
      { relPath: 'ca.crt', content: `CA cert for ${name}`, secret: false },
      { relPath: 'ca.key', content: `CA key for ${name}`, secret: true },
      { relPath: 'etcd/peer.key', content: `peer key for ${name}`, secret: true },
    ],
  } as unknown as IssuedPki;

  it('control planes get every file of their PKI under /etc/kubernetes/pki: keys 0600 and secret, certificates 0644', () => {
    const m = loadExample('ha');
    const cp = m.nodes.find((n) => n.isControlPlane)!;
    const plan = newPlan(cp);
    pkiFilesBuilder.build({ model: m, node: cp, pki, plan });
    expect(pkiFilesBuilder.name).toBe('pkiFiles');
    expect([...plan.files.values()]).toEqual([
      { path: `${PKI_DIR}/ca.crt`, content: `CA cert for ${cp.name}`, mode: 0o644, secret: false, pki: true, builder: 'pkiFiles', origin: cp.specPath },
      { path: `${PKI_DIR}/ca.key`, content: `CA key for ${cp.name}`, mode: 0o600, secret: true, pki: true, builder: 'pkiFiles', origin: cp.specPath },
      { path: `${PKI_DIR}/etcd/peer.key`, content: `peer key for ${cp.name}`, mode: 0o600, secret: true, pki: true, builder: 'pkiFiles', origin: cp.specPath },
    ]);
    expect(PKI_DIR).toBe('/etc/kubernetes/pki');
  });

  it('workers get nothing (they join with the token and the CA hash)', () => {
    const m = loadExample('ha');
    const w = m.nodes.find((n) => !n.isControlPlane)!;
    const plan = newPlan(w);
    pkiFilesBuilder.build({ model: m, node: w, pki, plan });
    expect(plan.files.size).toBe(0);
  });
});
