// Real etcd members started from what kspray generated for them (test/etcd/*): each member's
// /etc/etcd/etcd.env as etcd's environment (as the unit's EnvironmentFile gives it) and its
// /etc/etcd/pki certificates, with etcdctl speaking as a control plane through that node's generated
// apiserver-etcd-client certificate. One harness, so the three etcd tests prove the same thing the
// same way and differ only in the cluster they render.
//
// Rewritten for loopback, and nothing else (each test asserts which variables changed):
// - https://<member address>:2379 / :2380 → https://<loopback>:<free port> (several members on one
//   host; the generated certificates carry 127.0.0.1 and ::1 as SANs, as they must for local checks);
// - the extra https://127.0.0.1:2379 in ETCD_LISTEN_CLIENT_URLS is dropped (members cannot all bind
//   it; each already listens on the loopback address after the rewrite above);
// - /etc/etcd/pki/... and ETCD_DATA_DIR → the same paths under a scratch directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NodePlan } from '../../src/plan/nodePlan.js';
import { scratchDir, type Scratch } from '../secrets/fixtures.js';
import { run, type RunResult } from '../secrets/tools.js';
import { freePort, sleep, stopChild } from './net.js';
import { haveTool, tool } from './validators.js';

/** The variables of a member's generated env that the loopback rewrites above change (its URLs and file
 * paths); each test asserts that exactly these differ from what kspray generated. */
export const LOOPBACK_REWRITTEN_KEYS = [
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
].sort();

// Debian's etcd-server and etcd-client (.ci/run); under KSPRAY_REQUIRE_VALIDATORS=1 a missing one fails the run.
export const HAVE_ETCD = haveTool('etcd') && haveTool('etcdctl');
const ETCD = HAVE_ETCD ? tool('etcd') : 'etcd';
const ETCDCTL = HAVE_ETCD ? tool('etcdctl') : 'etcdctl';
/** How long a start, a health check or a retried etcdctl call may take on a loaded CI machine. */
export const ETCD_WAIT_MS = 25_000;

/** systemd EnvironmentFile as the etcd builder writes it: KEY=value lines, # comments; anything else is a bug. */
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

export interface EtcdMember {
  name: string;
  /** The node's address in the spec (what the generated URLs name). */
  address: string;
  clientPort: number;
  peerPort: number;
  /** scratch/<node>: the node's /etc/etcd (and data dir) live under it. */
  root: string;
  /** etcd.env as generated. */
  generated: Record<string, string>;
  /** etcd.env after the loopback rewrites: what the member was started with. */
  env: Record<string, string>;
  process?: ChildProcess;
  log: string;
}

export interface EtcdCluster {
  members: EtcdMember[];
  scratch: Scratch;
  /** The control plane's /etc/kubernetes/pki under scratch (etcd/ca.crt, apiserver-etcd-client.*). */
  clientPki: string;
  clientUrl(m: EtcdMember): string;
  peerUrl(m: EtcdMember): string;
  /** Starts (or restarts) a member with this environment; only PATH besides it. */
  start(m: EtcdMember, env: Record<string, string>): void;
  /** etcdctl as the control plane's kube-apiserver: its generated apiserver-etcd-client certificate. */
  etcdctl(endpoints: EtcdMember[], ...args: string[]): RunResult;
  /** etcdctl with only the etcd CA (no client certificate). */
  etcdctlWithoutCert(endpoints: EtcdMember[], ...args: string[]): RunResult;
  /**
   * etcdctl until it succeeds, bounded: what etcd answers while a membership change or a leader
   * election settles (strict reconfig check "unhealthy cluster", "leader changed", timeouts on a
   * loaded CI machine) is retried, as `kspray remove-node` does; anything else fails at once.
   */
  eventually(endpoints: EtcdMember[], ...args: string[]): Promise<RunResult>;
  /** Until `endpoint health --cluster` reports `count` healthy members; throws with the logs otherwise. */
  waitHealthy(endpoints: EtcdMember[], count: number): Promise<string>;
  /** Stops every member and removes the scratch directory. */
  stop(): Promise<void>;
}

export interface EtcdClusterOptions {
  plans: NodePlan[];
  /** The etcd member nodes, in the order the test names them. */
  members: string[];
  /** The control-plane node whose apiserver-etcd-client certificate etcdctl uses. */
  clientNode: string;
  loopback: '127.0.0.1' | '::1';
  scratchName: string;
}

const urlHost = (address: string) => (address.includes(':') ? `[${address}]` : address);

/** Writes a plan's files under the prefix into scratch/<node>/ (only the paths the test needs). */
function materialize(scratch: Scratch, plan: NodePlan, prefix: string): string {
  const root = `${scratch.dir}/${plan.node.name}`;
  for (const f of plan.files.values()) {
    if (!f.path.startsWith(prefix)) continue;
    mkdirSync(dirname(root + f.path), { recursive: true });
    writeFileSync(root + f.path, f.content, { mode: f.mode });
  }
  return root;
}

/** Materializes the members' generated files and starts them; does not wait for health (waitHealthy does). */
export async function startEtcdCluster(o: EtcdClusterOptions): Promise<EtcdCluster> {
  const scratch = scratchDir(o.scratchName);
  const plan = (name: string) => {
    const p = o.plans.find((x) => x.node.name === name);
    if (!p) throw new Error(`no plan for ${name}`);
    return p;
  };
  const members: EtcdMember[] = [];
  for (const name of o.members) {
    const p = plan(name);
    members.push({
      name,
      address: p.node.address!,
      clientPort: await freePort(),
      peerPort: await freePort(),
      root: materialize(scratch, p, '/etc/etcd/'),
      generated: parseEnvFile(p.files.get('/etc/etcd/etcd.env')!.content),
      env: {},
      log: `${scratch.dir}/${name}.log`,
    });
  }
  const clientPki = `${materialize(scratch, plan(o.clientNode), '/etc/kubernetes/pki/')}/etc/kubernetes/pki`;
  const local = urlHost(o.loopback);
  const clientUrl = (m: EtcdMember) => `https://${local}:${m.clientPort}`;
  const peerUrl = (m: EtcdMember) => `https://${local}:${m.peerPort}`;

  const loopbackEnv = (m: EtcdMember): Record<string, string> => {
    const urls = (v: string) =>
      members.reduce((acc, x) => acc.replaceAll(`https://${urlHost(x.address)}:2379`, clientUrl(x)).replaceAll(`https://${urlHost(x.address)}:2380`, peerUrl(x)), v);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.generated)) {
      let value = urls(v).replaceAll('/etc/etcd/pki/', `${m.root}/etc/etcd/pki/`);
      if (k === 'ETCD_LISTEN_CLIENT_URLS') value = value.split(',').filter((u) => u !== 'https://127.0.0.1:2379').join(',');
      if (k === 'ETCD_DATA_DIR') value = `${m.root}${v}`;
      env[k] = value;
    }
    return env;
  };

  const start = (m: EtcdMember, env: Record<string, string>) => {
    const log = openSync(m.log, 'a');
    // Only PATH besides the ETCD_* variables: nothing from the test runner's environment leaks in.
    m.process = spawn(ETCD, [], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH, ...env } });
  };

  const ctl = (endpoints: EtcdMember[], auth: string[], args: string[]) =>
    run(ETCDCTL, [`--endpoints=${endpoints.map(clientUrl).join(',')}`, `--cacert=${clientPki}/etcd/ca.crt`, ...auth, '--dial-timeout=2s', '--command-timeout=4s', ...args], {
      env: { PATH: process.env.PATH, ETCDCTL_API: '3' },
      timeoutMs: 15_000,
    });
  const etcdctl = (endpoints: EtcdMember[], ...args: string[]) => ctl(endpoints, [`--cert=${clientPki}/apiserver-etcd-client.crt`, `--key=${clientPki}/apiserver-etcd-client.key`], args);

  const cluster: EtcdCluster = {
    members,
    scratch,
    clientPki,
    clientUrl,
    peerUrl,
    start,
    etcdctl,
    etcdctlWithoutCert: (endpoints, ...args) => ctl(endpoints, [], args),
    async eventually(endpoints, ...args) {
      const deadline = Date.now() + ETCD_WAIT_MS;
      for (;;) {
        const r = etcdctl(endpoints, ...args);
        const transient = /unhealthy cluster|leader changed|no leader|deadline exceeded|timed out|too many requests|unavailable/i.test(r.stderr);
        if (r.ok || !transient || Date.now() > deadline) return r;
        await sleep(500);
      }
    },
    async waitHealthy(endpoints, count) {
      const deadline = Date.now() + ETCD_WAIT_MS;
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
      throw new Error(`etcd: not ${count} healthy members within ${ETCD_WAIT_MS} ms: ${last}\n${readFileSync(endpoints[0]!.log, 'utf8').slice(-3000)}`);
    },
    async stop() {
      await Promise.all(members.map((m) => stopChild(m.process)));
      scratch.remove();
    },
  };
  for (const m of members) m.env = loopbackEnv(m);
  for (const m of members) start(m, m.env);
  return cluster;
}
