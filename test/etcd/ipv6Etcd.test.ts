// The IPv6 proof for external etcd: three real etcd 3.4 members (Debian's etcd-server) start from
// what kspray generated for the three etcd nodes of examples/ipv6 (IPv6-only): each node's
// /etc/etcd/etcd.env as the environment and its /etc/etcd/pki certificates. Every URL they use is
// IPv6 loopback in brackets, and `etcdctl endpoint health --cluster` with the control plane's
// generated apiserver-etcd-client certificate reaches all three over IPv6 (--cluster dials the
// members' advertised client URLs, so the [::1] URLs are what it checks).
//
// Rewritten for loopback, and nothing else (asserted below):
// - https://[<member address>]:2379 / :2380 → https://[::1]:<free port> (three members on one host;
//   the generated etcd certificates carry ::1 as a SAN);
// - the extra https://127.0.0.1:2379 in ETCD_LISTEN_CLIENT_URLS is dropped (three members cannot all
//   bind it; the test dials IPv6 only);
// - /etc/etcd/pki/... and ETCD_DATA_DIR → the same paths under a scratch directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { haveTool, tool } from '../helpers/validators.js';
import { issuePki } from '../../src/secrets/index.js';
import { planCluster } from '../../src/plan/planNode.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle, scratchDir, type Scratch } from '../secrets/fixtures.js';
import { run } from '../secrets/tools.js';
import { freePort, sleep, stopChild } from '../helpers/net.js';

/** systemd EnvironmentFile as the builder writes it (KEY=value lines, # comments). */
function parseEnvFile(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const HAVE_ETCD = haveTool('etcd') && haveTool('etcdctl');
const ETCD = HAVE_ETCD ? tool('etcd') : 'etcd';
const ETCDCTL = HAVE_ETCD ? tool('etcdctl') : 'etcdctl';
const WAIT_MS = 25_000;
const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];


interface Member {
  name: string;
  address: string;
  clientPort: number;
  peerPort: number;
  root: string;
  generated: Record<string, string>;
  env: Record<string, string>;
  process?: ChildProcess;
  log: string;
}

describe.skipIf(!HAVE_ETCD)('IPv6 external etcd: 3 etcd 3.4 members on [::1] from the generated etcd.env and certificates', () => {
  let scratch: Scratch;
  let plans: NodePlan[];
  const members: Member[] = [];
  const clientUrl = (m: Member) => `https://[::1]:${m.clientPort}`;
  const peerUrl = (m: Member) => `https://[::1]:${m.peerPort}`;
  const cpPki = () => `${scratch.dir}/cp-1/etc/kubernetes/pki`;

  function materialize(plan: NodePlan, prefix: string): string {
    const root = `${scratch.dir}/${plan.node.name}`;
    for (const f of plan.files.values()) {
      if (!f.path.startsWith(prefix)) continue;
      mkdirSync(dirname(root + f.path), { recursive: true });
      writeFileSync(root + f.path, f.content, { mode: f.mode });
    }
    return root;
  }

  function loopbackEnv(m: Member): Record<string, string> {
    const urls = (v: string) =>
      members.reduce((acc, o) => acc.replaceAll(`https://[${o.address}]:2379`, clientUrl(o)).replaceAll(`https://[${o.address}]:2380`, peerUrl(o)), v);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.generated)) {
      let value = urls(v).replaceAll('/etc/etcd/pki/', `${m.root}/etc/etcd/pki/`);
      if (k === 'ETCD_LISTEN_CLIENT_URLS') value = value.split(',').filter((u) => u !== 'https://127.0.0.1:2379').join(',');
      if (k === 'ETCD_DATA_DIR') value = `${m.root}${v}`;
      env[k] = value;
    }
    return env;
  }

  function etcdctl(endpoints: Member[], ...args: string[]) {
    const pki = cpPki();
    return run(
      ETCDCTL,
      [
        `--endpoints=${endpoints.map(clientUrl).join(',')}`,
        `--cacert=${pki}/etcd/ca.crt`,
        `--cert=${pki}/apiserver-etcd-client.crt`,
        `--key=${pki}/apiserver-etcd-client.key`,
        '--dial-timeout=2s',
        '--command-timeout=4s',
        ...args,
      ],
      { env: { PATH: process.env.PATH, ETCDCTL_API: '3' }, timeoutMs: 15_000 },
    );
  }

  beforeAll(async () => {
    const model = loadExample('ipv6');
    // etcd checks validity against the real clock: a bundle dated now.
    const bundle = await demoBundle(model, new Date());
    plans = planCluster(model, await issuePki(model, bundle));
    scratch = scratchDir('ipv6-etcd');
    for (const name of MEMBERS) {
      const plan = plans.find((p) => p.node.name === name)!;
      members.push({
        name,
        address: plan.node.address!,
        clientPort: await freePort(),
        peerPort: await freePort(),
        root: materialize(plan, '/etc/etcd/'),
        generated: parseEnvFile(plan.files.get('/etc/etcd/etcd.env')!.content),
        env: {},
        log: `${scratch.dir}/${name}.log`,
      });
    }
    materialize(plans.find((p) => p.node.name === 'cp-1')!, '/etc/kubernetes/pki/');
    for (const m of members) m.env = loopbackEnv(m);
    for (const m of members) {
      const log = openSync(m.log, 'a');
      m.process = spawn(ETCD, [], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH, ...m.env } });
    }
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const dead = members.find((m) => m.process?.exitCode !== null);
      if (dead) throw new Error(`etcd ${dead.name} exited:\n${readFileSync(dead.log, 'utf8').slice(-3000)}`);
      const r = etcdctl(members, 'endpoint', 'health', '--cluster');
      if (r.ok && ((r.stdout + r.stderr).match(/is healthy/g) ?? []).length === 3) break;
      if (Date.now() > deadline) throw new Error(`etcd over IPv6 not healthy in ${WAIT_MS} ms: ${r.stdout}${r.stderr}\n${readFileSync(members[0]!.log, 'utf8').slice(-3000)}`);
      await sleep(300);
    }
  }, WAIT_MS + 20_000);

  afterAll(async () => {
    await Promise.all(members.map((m) => stopChild(m.process)));
    scratch?.remove();
  });

  test('the generated env has bracketed IPv6 URLs and is passed as generated but for the loopback rewrites', () => {
    for (const m of members) {
      expect(m.generated.ETCD_INITIAL_CLUSTER).toBe('etcd-1=https://[fd00:10::31]:2380,etcd-2=https://[fd00:10::32]:2380,etcd-3=https://[fd00:10::33]:2380');
      expect(m.generated.ETCD_ADVERTISE_CLIENT_URLS).toBe(`https://[${m.address}]:2379`);
      expect(m.generated.ETCD_LISTEN_PEER_URLS).toBe(`https://[${m.address}]:2380`);
      const changed = Object.keys(m.generated).filter((k) => m.generated[k] !== m.env[k]).sort();
      expect(changed, m.name).toEqual(
        [
          'ETCD_ADVERTISE_CLIENT_URLS',
          'ETCD_CERT_FILE',
          'ETCD_DATA_DIR',
          'ETCD_INITIAL_ADVERTISE_PEER_URLS',
          'ETCD_INITIAL_CLUSTER',
          'ETCD_KEY_FILE',
          'ETCD_LISTEN_CLIENT_URLS',
          'ETCD_LISTEN_PEER_URLS',
          'ETCD_PEER_CERT_FILE',
          'ETCD_PEER_KEY_FILE',
          'ETCD_PEER_TRUSTED_CA_FILE',
          'ETCD_TRUSTED_CA_FILE',
        ].sort(),
      );
      // Only the hosts and ports moved: every URL stays IPv6 in brackets.
      for (const k of ['ETCD_ADVERTISE_CLIENT_URLS', 'ETCD_LISTEN_PEER_URLS', 'ETCD_INITIAL_ADVERTISE_PEER_URLS', 'ETCD_INITIAL_CLUSTER'])
        expect(m.env[k], `${m.name} ${k}`).toMatch(/^(?:(?:etcd-\d=)?https:\/\/\[::1\]:\d+,?)+$/);
    }
  });

  test('etcdctl endpoint health --cluster over IPv6 with the apiserver-etcd-client certificate: 3 healthy members', () => {
    const r = etcdctl(members, 'endpoint', 'health', '--cluster');
    expect(r.ok, r.stderr).toBe(true);
    const out = r.stdout + r.stderr;
    expect(out.match(/is healthy/g)).toHaveLength(3);
    for (const m of members) expect(out).toContain(`https://[::1]:${m.clientPort} is healthy`);
    const list = JSON.parse(etcdctl(members, 'member', 'list', '-w', 'json').stdout) as { members: Array<{ name: string; peerURLs: string[] }> };
    expect(list.members.map((x) => x.name).sort()).toEqual(MEMBERS);
    for (const x of list.members) expect(x.peerURLs[0]).toMatch(/^https:\/\/\[::1\]:\d+$/);
  });

  test('the members talk over mutual TLS only: a client without a certificate is refused', () => {
    const r = run(ETCDCTL, [`--endpoints=${clientUrl(members[0]!)}`, `--cacert=${cpPki()}/etcd/ca.crt`, '--dial-timeout=2s', '--command-timeout=3s', 'endpoint', 'health'], {
      env: { PATH: process.env.PATH, ETCDCTL_API: '3' },
      timeoutMs: 15_000,
    });
    expect(r.ok).toBe(false);
  });
});
