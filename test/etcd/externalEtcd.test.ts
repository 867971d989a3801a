// The proof for etcd.topology: external. Three real etcd processes (Debian's etcd-server 3.4) start
// from what kspray GENERATED for the three etcd nodes of examples/external-etcd: the ETCD_* variables
// of each node's /etc/etcd/etcd.env (given to etcd as its environment, as the unit's EnvironmentFile
// does) and the certificates in its /etc/etcd/pki. They form a cluster over mutual TLS; the control
// plane's generated apiserver-etcd-client certificate passes `etcdctl endpoint health --cluster`;
// then one member is removed and re-added the way `kspray remove-node` does it
// (src/lifecycle/etcdMembers.ts), and the cluster keeps quorum and data throughout.
//
// Rewritten for loopback, and nothing else (asserted below: every other variable is passed as generated):
// - https://<member address>:2379 / :2380 → https://127.0.0.1:<free port> (three members on one host;
//   the generated certificates carry 127.0.0.1 as a SAN, as they must for the local health check);
// - the extra https://127.0.0.1:2379 in ETCD_LISTEN_CLIENT_URLS is dropped (three members cannot all
//   bind it; each already listens on 127.0.0.1 after the rewrite above);
// - /etc/etcd/pki/... and ETCD_DATA_DIR=/var/lib/etcd → the same paths under a scratch directory.
// etcd 3.4 warns about, but otherwise ignores, an ETCD_* variable it does not know: the logs are
// checked for that warning, so every generated variable is one etcd 3.4 reads (the catalog's 3.6
// reads them all too; see src/plan/builders/etcd.ts for what is left out and why).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issuePki } from '../../src/secrets/index.js';
import type { SecretsBundle } from '../../src/secrets/types.js';
import { planCluster } from '../../src/plan/planNode.js';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { memberAddArgs, parseMemberList, planMemberRemoval, rejoinEnv } from '../../src/lifecycle/etcdMembers.js';
import { loadExample } from '../helpers/fixtures.js';
import { demoBundle, scratchDir, type Scratch } from '../secrets/fixtures.js';
import { run } from '../secrets/tools.js';
import { freePort, sleep, stopChild } from '../helpers/net.js';
import { haveTool, tool } from '../helpers/validators.js';

// Debian's etcd-server and etcd-client (.ci/run); under KSPRAY_REQUIRE_VALIDATORS=1 a missing one fails the run.
const HAVE_ETCD = haveTool('etcd') && haveTool('etcdctl');
const ETCD = HAVE_ETCD ? tool('etcd') : 'etcd';
const ETCDCTL = HAVE_ETCD ? tool('etcdctl') : 'etcdctl';
const WAIT_MS = 25_000;
const MEMBERS = ['etcd-1', 'etcd-2', 'etcd-3'];

if (!HAVE_ETCD) console.warn('skipping the external etcd test: etcd or etcdctl is missing (CI installs etcd-server and etcd-client)');


/** systemd EnvironmentFile as the builder writes it: KEY=value lines, # comments. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=value: ${line}`);
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

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

describe.skipIf(!HAVE_ETCD)('external etcd: 3 etcd 3.4 members from the generated etcd.env and certificates', () => {
  let scratch: Scratch;
  let plans: NodePlan[];
  let bundle: SecretsBundle;
  const members: Member[] = [];
  const byName = (n: string) => members.find((m) => m.name === n)!;
  const clientUrl = (m: Member) => `https://127.0.0.1:${m.clientPort}`;
  const peerUrl = (m: Member) => `https://127.0.0.1:${m.peerPort}`;
  const cpPki = () => `${scratch.dir}/cp-1/etc/kubernetes/pki`;

  /** Writes a plan's files under scratch/<node>/ (only the paths the test needs). */
  function materialize(plan: NodePlan, prefix: string): string {
    const root = `${scratch.dir}/${plan.node.name}`;
    for (const f of plan.files.values()) {
      if (!f.path.startsWith(prefix)) continue;
      mkdirSync(dirname(root + f.path), { recursive: true });
      writeFileSync(root + f.path, f.content, { mode: f.mode });
    }
    return root;
  }

  /** The generated env with only the loopback rewrites described at the top of this file. */
  function loopbackEnv(m: Member): Record<string, string> {
    const urls = (v: string) =>
      members.reduce(
        (acc, o) =>
          acc.replaceAll(`https://${o.address}:2379`, clientUrl(o)).replaceAll(`https://${o.address}:2380`, peerUrl(o)),
        v,
      );
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.generated)) {
      let value = urls(v).replaceAll('/etc/etcd/pki/', `${m.root}/etc/etcd/pki/`);
      if (k === 'ETCD_LISTEN_CLIENT_URLS') value = value.split(',').filter((u) => u !== 'https://127.0.0.1:2379').join(',');
      if (k === 'ETCD_DATA_DIR') value = `${m.root}${v}`;
      env[k] = value;
    }
    return env;
  }

  function start(m: Member, env: Record<string, string>): void {
    const log = openSync(m.log, 'a');
    // Only PATH besides the ETCD_* variables: nothing from the test runner's environment leaks in.
    m.process = spawn(ETCD, [], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH, ...env } });
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

  /**
   * etcdctl until it succeeds, bounded: what etcd answers while a membership change or a leader
   * election settles (strict reconfig check "unhealthy cluster", "leader changed", timeouts on a
   * loaded CI machine) is retried, as `kspray remove-node` does; anything else fails at once.
   */
  async function eventually(endpoints: Member[], ...args: string[]) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const r = etcdctl(endpoints, ...args);
      const transient = /unhealthy cluster|leader changed|no leader|deadline exceeded|timed out|too many requests|unavailable/i.test(r.stderr);
      if (r.ok || !transient || Date.now() > deadline) return r;
      await sleep(500);
    }
  }

  /** Bounded: until `endpoint health --cluster` reports `count` healthy members. */
  async function waitHealthy(endpoints: Member[], count: number): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    let last = '';
    while (Date.now() < deadline) {
      const dead = endpoints.find((m) => m.process?.exitCode !== null);
      if (dead) throw new Error(`etcd ${dead.name} exited:\n${readFileSync(dead.log, 'utf8').slice(-3000)}`);
      const r = etcdctl(endpoints, 'endpoint', 'health', '--cluster');
      const out = r.stdout + r.stderr;
      if (r.ok && (out.match(/is healthy/g) ?? []).length === count) return out;
      last = out;
      await sleep(300);
    }
    throw new Error(`etcd: not ${count} healthy members within ${WAIT_MS} ms: ${last}\n${readFileSync(endpoints[0]!.log, 'utf8').slice(-3000)}`);
  }

  beforeAll(async () => {
    const model = loadExample('external-etcd');
    // etcd checks validity against the real clock: a bundle dated now, not the goldens' fixed clock.
    bundle = await demoBundle(model, new Date());
    plans = planCluster(model, await issuePki(model, bundle));
    scratch = scratchDir('external-etcd');
    for (const name of MEMBERS) {
      const plan = plans.find((p) => p.node.name === name)!;
      const root = materialize(plan, '/etc/etcd/');
      members.push({
        name,
        address: plan.node.address!,
        clientPort: await freePort(),
        peerPort: await freePort(),
        root,
        generated: parseEnvFile(plan.files.get('/etc/etcd/etcd.env')!.content),
        env: {},
        log: `${scratch.dir}/${name}.log`,
      });
    }
    materialize(plans.find((p) => p.node.name === 'cp-1')!, '/etc/kubernetes/pki/');
    for (const m of members) m.env = loopbackEnv(m);
    for (const m of members) start(m, m.env);
    await waitHealthy(members, 3);
  }, WAIT_MS + 20_000);

  afterAll(async () => {
    await Promise.all(members.map((m) => stopChild(m.process)));
    scratch?.remove();
  });

  test('the generated env is passed as generated, but for the documented loopback rewrites', () => {
    for (const m of members) {
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
      expect(m.generated.ETCD_INITIAL_CLUSTER).toBe('etcd-1=https://10.0.1.11:2380,etcd-2=https://10.0.1.12:2380,etcd-3=https://10.0.1.13:2380');
      expect(m.generated.ETCD_INITIAL_CLUSTER_STATE).toBe('new');
      expect(m.generated.ETCD_INITIAL_CLUSTER_TOKEN).toBe('external-etcd');
      expect(m.generated.ETCD_CLIENT_CERT_AUTH).toBe('true');
      expect(m.generated.ETCD_PEER_CLIENT_CERT_AUTH).toBe('true');
      expect(m.generated.ETCD_LISTEN_CLIENT_URLS).toBe(`https://${m.address}:2379,https://127.0.0.1:2379`);
    }
  });

  test('every generated variable is one etcd 3.4 knows (no "unrecognized environment variable")', () => {
    for (const m of members) {
      const log = readFileSync(m.log, 'utf8');
      expect(log, m.name).not.toMatch(/unrecognized environment variable/i);
      expect(log, m.name).toMatch(/ready to serve client requests/);
    }
  });

  test('etcdctl endpoint health --cluster succeeds with the generated apiserver-etcd-client certificate', async () => {
    const r = etcdctl(members, 'endpoint', 'health', '--cluster');
    expect(r.ok, r.stderr).toBe(true);
    expect((r.stdout + r.stderr).match(/is healthy/g)).toHaveLength(3);
    const list = parseMemberList(etcdctl(members, 'member', 'list', '-w', 'json').stdout);
    expect(list.map((m) => m.name).sort()).toEqual(MEMBERS);
    const put = await eventually(members, 'put', '/registry/kspray', 'before-removal');
    expect(put.ok, put.stderr).toBe(true);
  });

  test('neither the etcd nodes nor the control plane hold a CA key; etcd nodes hold their own keys only', () => {
    const caKeys = [bundle.ca.key, bundle.etcdCa.key, bundle.frontProxyCa.key, bundle.serviceAccount.privateKey].map((k) => k.trim());
    for (const plan of plans) {
      const files = [...plan.files.values()];
      // Nobody gets the etcd CA key with external etcd; etcd members get no CA key at all.
      expect(files.filter((f) => f.content.includes(caKeys[1]!)).map((f) => f.path), plan.node.name).toEqual([]);
      if (plan.node.roles.includes('etcd')) {
        expect(files.filter((f) => caKeys.some((k) => f.content.includes(k))).map((f) => f.path), plan.node.name).toEqual([]);
      }
    }
    for (const name of MEMBERS) {
      const plan = plans.find((p) => p.node.name === name)!;
      expect([...plan.files.values()].filter((f) => f.secret).map((f) => f.path).sort()).toEqual(['/etc/etcd/pki/peer.key', '/etc/etcd/pki/server.key']);
    }
    const cp = plans.find((p) => p.node.name === 'cp-1')!;
    expect(cp.files.has('/etc/kubernetes/pki/etcd/ca.crt')).toBe(true);
    expect(cp.files.has('/etc/kubernetes/pki/etcd/ca.key')).toBe(false);
    expect(cp.files.has('/etc/kubernetes/pki/etcd/server.key')).toBe(false);
  });

  test('a member removed and re-added as `kspray remove-node` does keeps quorum and data', async () => {
    const [one, two, three] = [byName('etcd-1'), byName('etcd-2'), byName('etcd-3')];
    // Remove etcd-3 by its peer URL, through the survivors.
    const listed = await eventually([one, two], 'member', 'list', '-w', 'json');
    expect(listed.ok, listed.stderr).toBe(true);
    const before = parseMemberList(listed.stdout);
    const plan = planMemberRemoval(before, peerUrl(three));
    expect(plan.action).toBe('remove');
    if (plan.action !== 'remove') return;
    expect(plan.member.name).toBe('etcd-3');
    // etcd refuses to remove a voting member until the others have been connected for a few
    // seconds (strict reconfig check: "unhealthy cluster"); eventually() retries that.
    const removed = await eventually([one, two], ...plan.args);
    expect(removed.ok, removed.stderr).toBe(true);
    await stopChild(three.process);
    await waitHealthy([one, two], 2);
    const put = await eventually([one, two], 'put', '/registry/kspray', 'during-removal');
    expect(put.ok, put.stderr).toBe(true);
    expect(planMemberRemoval(parseMemberList((await eventually([one, two], 'member', 'list', '-w', 'json')).stdout), peerUrl(three)).action).toBe('absent');

    // Re-add it: member add, an empty data dir, the generated env joining the existing cluster.
    const added = await eventually([one, two], ...memberAddArgs('etcd-3', peerUrl(three)));
    expect(added.ok, added.stderr).toBe(true);
    const after = parseMemberList((await eventually([one, two], 'member', 'list', '-w', 'json')).stdout);
    rmSync(three.env.ETCD_DATA_DIR!, { recursive: true, force: true });
    const env = rejoinEnv(three.env, after, 'etcd-3', peerUrl(three));
    expect(env.ETCD_INITIAL_CLUSTER).toBe(`etcd-1=${peerUrl(one)},etcd-2=${peerUrl(two)},etcd-3=${peerUrl(three)}`);
    start(three, env);
    await waitHealthy(members, 3);
    // A linearizable read through the re-added member: it must have caught up.
    const get = await eventually([three], 'get', '/registry/kspray', '--print-value-only');
    expect(get.ok, get.stderr).toBe(true);
    expect(get.stdout.trim()).toBe('during-removal');
  }, 6 * WAIT_MS);
});

