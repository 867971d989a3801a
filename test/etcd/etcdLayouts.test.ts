// Kubespray's etcd layouts (its CI "ha" mode: etcd on two control planes and one worker) as
// etcd.topology: external, proven with real etcd 3.4: the three members start from what kspray
// generated for cp-1, cp-2 and w-1 (etcd.env and /etc/etcd/pki, rewritten for loopback only, as in
// externalEtcd.test.ts), form one cluster over mutual TLS, and a control plane's generated
// apiserver-etcd-client certificate sees all three healthy. Member keys are only on members, no node
// holds the etcd CA key.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issuePki } from '../../src/secrets/index.js';
import { planCluster } from '../../src/plan/planNode.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle, scratchDir, type Scratch } from '../secrets/fixtures.js';
import { run } from '../secrets/tools.js';
import { freePort, sleep, stopChild } from '../helpers/net.js';
import { haveTool, tool } from '../helpers/validators.js';

/** systemd EnvironmentFile as the etcd builder writes it: KEY=value lines, # comments. */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

const HAVE_ETCD = haveTool('etcd') && haveTool('etcdctl');
const ETCD = HAVE_ETCD ? tool('etcd') : 'etcd';
const ETCDCTL = HAVE_ETCD ? tool('etcdctl') : 'etcdctl';
const SCENARIO = 'ubuntu-kubespray-ha-layout';
const MEMBERS = ['cp-1', 'cp-2', 'w-1'];
const WAIT_MS = 25_000;

let plans: NodePlan[];
const plan = (name: string) => plans.find((p) => p.node.name === name)!;

beforeAll(async () => {
  const model = loadExample(SCENARIO);
  // etcd checks validity against the real clock: a bundle dated now, not the goldens' fixed clock.
  plans = planCluster(model, await issuePki(model, await demoBundle(model, new Date())));
}, 120_000);

describe(`${SCENARIO}: etcd members on control planes and a worker`, () => {
  test('member certificates only on members, no etcd CA key anywhere, kubeadm points at every member', () => {
    for (const p of plans) {
      const member = MEMBERS.includes(p.node.name);
      expect(p.files.has('/etc/etcd/pki/server.key'), p.node.name).toBe(member);
      expect(p.files.has('/etc/systemd/system/etcd.service'), p.node.name).toBe(member);
      expect([...p.files.keys()].filter((f) => f.endsWith('etcd/ca.key')), p.node.name).toEqual([]);
    }
    // The worker member: its own etcd keys, nothing of the Kubernetes PKI.
    expect([...plan('w-1').files.values()].filter((f) => f.secret).map((f) => f.path).sort()).toEqual(['/etc/etcd/pki/peer.key', '/etc/etcd/pki/server.key']);
    // kubeadm init's ClusterConfiguration (joins read it from the cluster); every control plane waits for them all.
    expect(plan('cp-1').files.get('/etc/kspray/kubeadm.yaml')!.content).toMatch(/external:\n\s+endpoints:\n\s+- https:\/\/10\.0\.0\.11:2379\n\s+- https:\/\/10\.0\.0\.12:2379\n\s+- https:\/\/10\.0\.0\.21:2379\n/);
    for (const cp of ['cp-1', 'cp-2']) expect(plan(cp).files.get('/etc/kspray/node.env')!.content).toContain("KSPRAY_ETCD_ENDPOINTS='https://10.0.0.11:2379 https://10.0.0.12:2379 https://10.0.0.21:2379'");
    for (const m of MEMBERS) expect(plan(m).files.get('/etc/kspray/node.env')!.content).toContain("KSPRAY_ETCD_MEMBER='yes'");
  });
});

interface Member {
  name: string;
  address: string;
  clientPort: number;
  peerPort: number;
  root: string;
  generated: Record<string, string>;
  process?: ChildProcess;
  log: string;
}

describe.skipIf(!HAVE_ETCD)(`${SCENARIO}: three real etcd members from the generated files`, () => {
  let scratch: Scratch;
  const members: Member[] = [];
  const clientUrl = (m: Member) => `https://127.0.0.1:${m.clientPort}`;

  function materialize(p: NodePlan, prefix: string): string {
    const root = `${scratch.dir}/${p.node.name}`;
    for (const f of p.files.values()) {
      if (!f.path.startsWith(prefix)) continue;
      mkdirSync(dirname(root + f.path), { recursive: true });
      writeFileSync(root + f.path, f.content, { mode: f.mode });
    }
    return root;
  }

  function loopbackEnv(m: Member): Record<string, string> {
    const urls = (v: string) =>
      members.reduce((acc, o) => acc.replaceAll(`https://${o.address}:2379`, clientUrl(o)).replaceAll(`https://${o.address}:2380`, `https://127.0.0.1:${o.peerPort}`), v);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.generated)) {
      let value = urls(v).replaceAll('/etc/etcd/pki/', `${m.root}/etc/etcd/pki/`);
      if (k === 'ETCD_LISTEN_CLIENT_URLS') value = value.split(',').filter((u) => u !== 'https://127.0.0.1:2379').join(',');
      if (k === 'ETCD_DATA_DIR') value = `${m.root}${v}`;
      env[k] = value;
    }
    return env;
  }

  beforeAll(async () => {
    scratch = scratchDir('etcd-layouts');
    for (const name of MEMBERS) {
      const p = plan(name);
      members.push({
        name,
        address: p.node.address!,
        clientPort: await freePort(),
        peerPort: await freePort(),
        root: materialize(p, '/etc/etcd/'),
        generated: parseEnvFile(p.files.get('/etc/etcd/etcd.env')!.content),
        log: `${scratch.dir}/${name}.log`,
      });
    }
    // cp-2 is a member and a control plane: its apiserver-etcd-client is what kube-apiserver uses.
    materialize(plan('cp-2'), '/etc/kubernetes/pki/');
    for (const m of members) {
      const log = openSync(m.log, 'a');
      m.process = spawn(ETCD, [], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH, ...loopbackEnv(m) } });
    }
  }, 60_000);

  afterAll(async () => {
    for (const m of members) if (m.process) await stopChild(m.process);
    scratch?.remove();
  });

  test('form one cluster over mutual TLS, healthy for the control plane\'s apiserver-etcd-client', async () => {
    const pki = `${scratch.dir}/cp-2/etc/kubernetes/pki`;
    const etcdctl = (...args: string[]) =>
      run(ETCDCTL, [`--endpoints=${members.map(clientUrl).join(',')}`, `--cacert=${pki}/etcd/ca.crt`, `--cert=${pki}/apiserver-etcd-client.crt`, `--key=${pki}/apiserver-etcd-client.key`, '--dial-timeout=2s', '--command-timeout=4s', ...args], {
        env: { PATH: process.env.PATH, ETCDCTL_API: '3' },
        timeoutMs: 15_000,
      });
    const deadline = Date.now() + WAIT_MS;
    let out = '';
    while (Date.now() < deadline) {
      const dead = members.find((m) => m.process?.exitCode !== null);
      if (dead) throw new Error(`etcd ${dead.name} exited:\n${readFileSync(dead.log, 'utf8').slice(-3000)}`);
      const r = etcdctl('endpoint', 'health', '--cluster');
      out = r.stdout + r.stderr;
      if (r.ok && (out.match(/is healthy/g) ?? []).length === 3) break;
      await sleep(300);
    }
    expect((out.match(/is healthy/g) ?? []).length, out).toBe(3);
    const list = etcdctl('member', 'list', '-w', 'json');
    expect(list.ok, list.stderr).toBe(true);
    const names = (JSON.parse(list.stdout) as { members: Array<{ name: string }> }).members.map((m) => m.name).sort();
    expect(names).toEqual(MEMBERS);
  }, 60_000);
});

