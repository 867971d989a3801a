// spec.secrets.delivery aws-secrets-manager end to end on loopback: `kspray aws apply` (dist CLI)
// against the loopback AWS server (EC2, IAM, Secrets Manager; every request's SigV4 signature
// verified), then the node program exactly as a payload carries it, with the real curl doing
// IMDSv2 and --aws-sigv4 against the same server, which authorizes each call by evaluating the
// inline policy kspray gave the instance's role. Only sleep, kubeadm, systemctl and the OS tools
// of the phases before and after are stubbed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exampleFile, repoRoot } from '../helpers/fixtures.js';
import { awsTestEnv, startEc2Server, type Ec2Server } from '../helpers/ec2Server.js';
import { roleAllows } from '../helpers/awsServices.js';
import { installStubs, trackedTempDirs, writeFile } from '../helpers/nodeHarness.js';
import { haveTool, tool } from '../helpers/validators.js';
import { payloadFiles } from '../../src/diff/payloadFiles.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const tempDir = trackedTempDirs();
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const CLUSTER = 'external-etcd';
const PROFILE = { 'control-plane': `kspray-${CLUSTER}-control-plane`, etcd: `kspray-${CLUSTER}-etcd`, worker: `kspray-${CLUSTER}-worker` };
const ROLE_OF: Record<string, keyof typeof PROFILE> = { 'etcd-1': 'etcd', 'etcd-2': 'etcd', 'etcd-3': 'etcd', 'cp-1': 'control-plane', 'cp-2': 'control-plane', 'cp-3': 'control-plane', 'worker-1': 'worker', workers: 'worker' };

function kspray(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, env, timeout: 90_000, maxBuffer: 32 << 20 }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out: stdout, err: stderr });
    });
  });
}

let s: Ec2Server;
let dir: string;
let env: NodeJS.ProcessEnv;
let first: { code: number; out: string; err: string };
/** User data (decoded) of each fixed node and pool, from the wire. */
const userData = new Map<string, string>();
const unzipMaybe = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);

beforeAll(async () => {
  s = await startEc2Server();
  dir = mkdtempSync(join(tmpdir(), 'kspray-aws-sm-'));
  const spec = readFileSync(exampleFile(CLUSTER), 'utf8').replace(/^ {2}nodes:$/m, '  provider: { name: aws }\n  secrets: { delivery: aws-secrets-manager }\n  nodes:');
  writeFileSync(join(dir, 'cluster.yaml'), spec);
  env = { ...awsTestEnv(), AWS_ENDPOINT_URL_IAM: s.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: s.url };
  first = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--region', 'eu-west-1', '--endpoint', s.url, '--image', 'ami-0123456789abcdef0'], dir, env);
  for (const r of s.requests.filter((x) => x.action === 'RunInstances')) userData.set(r.params['TagSpecification.1.Tag.1.Value']!, unzipMaybe(Buffer.from(r.params.UserData!, 'base64')).toString('utf8'));
  for (const r of s.requests.filter((x) => x.action === 'CreateLaunchTemplate')) userData.set(r.params.LaunchTemplateName!.replace(`kspray-${CLUSTER}-`, ''), unzipMaybe(Buffer.from(r.params['LaunchTemplateData.UserData']!, 'base64')).toString('utf8'));
}, 120_000);
afterAll(async () => {
  await s?.close();
});

describe('kspray aws apply with delivery aws-secrets-manager (wire)', () => {
  it('signs every call (SigV4 verified by the server), creates one role and instance profile per role, stores one secret per node and pool', () => {
    expect(first.code, first.err).toBe(0);
    expect(s.requests.length).toBeGreaterThan(20);
    for (const r of s.requests) expect(r.auth, `${r.service} ${r.action}`).toMatchObject({ ok: true, accessKeyId: 'AKIDKSPRAYTEST' });
    expect(s.identity.roles.map((r) => r.name).sort()).toEqual(Object.values(PROFILE).sort());
    for (const p of s.identity.profiles) expect(p.roles).toEqual([p.name]);
    expect(s.identity.profiles.map((p) => p.name).sort()).toEqual(Object.values(PROFILE).sort());
    for (const r of s.identity.roles) expect(JSON.parse(r.trust).Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
    expect(s.identity.secrets.map((x) => x.name).sort()).toEqual(Object.entries(ROLE_OF).map(([n, role]) => `kspray/${CLUSTER}/${role}/${n}`).sort());
  });

  it("each role's policy reads only its own role's secrets, and deletes only its fixed nodes' own", () => {
    for (const [roleKey, name] of Object.entries(PROFILE)) {
      const role = s.identity.roles.find((r) => r.name === name)!;
      for (const secret of s.identity.secrets) {
        const own = secret.tags['kspray.dev/role'] === roleKey;
        expect(roleAllows(role, 'secretsmanager:GetSecretValue', secret.arn), `${name} reads ${secret.name}`).toBe(own);
        expect(roleAllows(role, 'secretsmanager:DeleteSecret', secret.arn), `${name} deletes ${secret.name}`).toBe(own && secret.tags['kspray.dev/node'] !== undefined);
        // Nothing else on any secret: no write, no listing, no policy change.
        for (const other of ['PutSecretValue', 'CreateSecret', 'UpdateSecret', 'PutResourcePolicy', 'ListSecrets']) expect(roleAllows(role, `secretsmanager:${other}`, secret.arn)).toBe(false);
      }
      // The allowance is by name prefix, not by a wildcard account-wide.
      expect(roleAllows(role, 'secretsmanager:GetSecretValue', `arn:aws:secretsmanager:eu-west-1:123456789012:secret:kspray/other-cluster/${roleKey}/x-AbCdEf`)).toBe(false);
    }
  });

  it('every launch template and instance carries its role\'s instance profile and IMDSv2 with hop limit 1', () => {
    const runs = s.requests.filter((x) => x.action === 'RunInstances');
    const templates = s.requests.filter((x) => x.action === 'CreateLaunchTemplate');
    expect(runs).toHaveLength(7);
    expect(templates).toHaveLength(1);
    for (const r of runs) {
      const node = r.params['TagSpecification.1.Tag.1.Value']!;
      expect(r.params['IamInstanceProfile.Name'], node).toBe(PROFILE[ROLE_OF[node]!]);
      expect([r.params['MetadataOptions.HttpTokens'], r.params['MetadataOptions.HttpPutResponseHopLimit']]).toEqual(['required', '1']);
    }
    const lt = templates[0]!.params;
    expect(lt['LaunchTemplateData.IamInstanceProfile.Name']).toBe(PROFILE.worker);
    expect([lt['LaunchTemplateData.MetadataOptions.HttpTokens'], lt['LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit']]).toEqual(['required', '1']);
  });

  it('payloads name their secret and pin its sha256, and hold no private key and no token secret', () => {
    expect([...userData.keys()].sort()).toEqual(Object.keys(ROLE_OF).sort());
    const token = (JSON.parse(readFileSync(join(dir, 'outputs', CLUSTER, 'secrets', 'bundle.json'), 'utf8')) as { bootstrapToken: { id: string; secret: string } }).bootstrapToken;
    expect(token.secret).toMatch(/^[a-z0-9]{16}$/);
    // What `kspray render` writes for the same spec and bundle (aws apply keeps only the bundle).
    const rendered = spawnSync(process.execPath, [cli, 'render', '-f', 'cluster.yaml'], { cwd: dir, env, encoding: 'utf8' });
    expect(rendered.status, rendered.stderr).toBe(0);
    for (const [node, text] of userData) {
      expect(text, node).not.toContain('PRIVATE KEY');
      expect(text, node).not.toContain(token.secret);
      const files = payloadFiles(text);
      const name = `kspray/${CLUSTER}/${ROLE_OF[node]}/${node}`;
      expect(files.get('/etc/kspray/node.env')!.content).toContain(`KSPRAY_SECRETS_ID='${name}'`);
      const secret = s.identity.secrets.find((x) => x.name === name)!;
      const tar = gunzipSync(secret.value);
      expect(sha256(tar)).toBe(files.get('/etc/kspray/secrets.sha256')!.content.trim());
      // The secret is the archive render wrote under outputs/<cluster>/fetch/.
      expect(tar.equals(readFileSync(join(dir, 'outputs', CLUSTER, 'fetch', node, 'secrets.tar')))).toBe(true);
    }
  });

  it('refuses to run without a region (exit 2), before any call: the policies name it', async () => {
    const before = s.requests.length;
    const r = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--endpoint', s.url, '--image', 'ami-0123456789abcdef0'], dir, env);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain('error[aws-region]: no AWS region');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(s.requests.length).toBe(before);
  }, 60_000);

  it('is idempotent: a second apply creates no role, profile or secret version and runs nothing new', async () => {
    const before = s.requests.length;
    const versions = s.identity.secrets.map((x) => x.tokens.length);
    const again = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--region', 'eu-west-1', '--endpoint', s.url, '--image', 'ami-0123456789abcdef0'], dir, env);
    expect(again.code, again.err).toBe(0);
    const second = s.requests.slice(before).map((r) => r.action);
    for (const a of ['CreateRole', 'CreateInstanceProfile', 'AddRoleToInstanceProfile', 'RunInstances', 'CreateLaunchTemplate']) expect(second).not.toContain(a);
    // Running nodes get no secret again (they delete theirs); the pool's exists, so it is put again
    // with the same token and value: no new version.
    expect(s.requests.slice(before).filter((r) => r.service === 'secretsmanager').map((r) => [r.action, r.params.Name ?? r.params.SecretId])).toEqual([
      ['CreateSecret', `kspray/${CLUSTER}/worker/workers`],
      ['PutSecretValue', `kspray/${CLUSTER}/worker/workers`],
    ]);
    expect(s.identity.secrets.map((x) => x.tokens.length)).toEqual(versions);
  }, 120_000);
});

// ---- the node program from a payload, against the same server ----

// The node program's curl: Debian 12's 7.88 (.ci/run installs it) has --aws-sigv4 (curl >= 7.75).
const hasCurl = haveTool('curl');

interface NodeRun {
  code: number | null;
  out: string;
  root: string;
  status: string;
}

/**
 * Boots `node`'s payload files into a fresh root and runs its program's main: the install phases are
 * marked done (they download binaries; test/node covers them), so it runs prepare-os (stubbed OS
 * tools), secrets, join (kubeadm stub exiting `kubeadmRc`), forget-secret and done.
 */
function bootNode(node: string, kubeadmRc = 0, opts: { env?: string; imdsUrl?: string } = {}): Promise<NodeRun> {
  const files = payloadFiles(userData.get(node)!);
  const t = tempDir('kspray-sm-node-');
  const root = join(t, 'root');
  for (const [path, f] of files) writeFile(join(root, path), f.content, f.mode);
  // No API or etcd to wait for and no kubelet.conf to repoint here.
  writeFile(join(root, 'etc/kspray/node.env'), `${files.get('/etc/kspray/node.env')!.content}KSPRAY_WAIT_FOR=''\nKSPRAY_LOCAL_API_SERVER=''\nKSPRAY_PACKAGES=''\nKSPRAY_ETCD_ENDPOINTS=''\n${opts.env ?? ''}`, 0o600);
  const key = (paths: string[]) => `${sha256(Buffer.concat(paths.map((p) => (existsSync(join(root, p)) ? readFileSync(join(root, p)) : Buffer.alloc(0)))))}  -\n`;
  writeFile(join(root, 'var/lib/kspray/phases/install-runtime.done'), key(['etc/kspray/downloads.tsv']));
  writeFile(join(root, 'var/lib/kspray/phases/install-kubernetes.done'), key(['etc/kspray/downloads.tsv']));
  const stubs = join(t, 'bin');
  installStubs(stubs, ['sleep', 'systemctl', 'swapoff', 'modprobe', 'sysctl'], '#!/bin/sh\nexit 0\n');
  installStubs(stubs, ['kubeadm'], `#!/bin/sh\nexit ${kubeadmRc}\n`);
  const program = [...files].find(([, f]) => f.content.startsWith('#!/usr/bin/env bash\n# kspray node program'))![0];
  return new Promise((resolve) => {
    const child = spawn('bash', [join(root, program)], {
      env: { PATH: `${stubs}:${dirname(tool('curl'))}:/usr/bin:/bin`, KSPRAY_ROOT: root, KSPRAY_IMDS_URL: opts.imdsUrl ?? s.url, KSPRAY_SM_ENDPOINT: s.url, HOME: t },
      timeout: 40_000,
      // As under systemd: stdin is /dev/null (phase keys of phases without files read an empty cat).
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const st = join(root, 'var/lib/kspray/status');
      resolve({ code, out, root, status: existsSync(st) ? readFileSync(st, 'utf8') : '' });
    });
  });
}

const secretNamed = (name: string) => s.identity.secrets.find((x) => x.name === name);
/** What the node's archive holds: path → [mode, bytes], read from the stored secret. */
function archiveEntries(tar: Buffer): Map<string, { mode: number; content: Buffer }> {
  const out = new Map<string, { mode: number; content: Buffer }>();
  for (let off = 0; off + 512 <= tar.length && tar[off] !== 0; ) {
    const field = (a: number, n: number) => tar.subarray(off + a, off + a + n).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const name = `${field(345, 155) ? `${field(345, 155)}/` : ''}${field(0, 100)}`;
    if (field(156, 1) === '0' || field(156, 1) === '') out.set(`/${name}`, { mode: parseInt(field(100, 8).trim(), 8), content: tar.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe.skipIf(!hasCurl)('node program: aws-secrets-manager phase (IMDSv2, curl --aws-sigv4)', () => {
  it('runs with a curl that has --aws-sigv4 (curl >= 7.75)', () => {
    const help = spawnSync(tool('curl'), ['--help', 'all'], { encoding: 'utf8' }).stdout;
    expect(help).toContain('--aws-sigv4');
  });

  it('fetches its secret with its role, unpacks it with modes, and deletes it after a successful bootstrap', async () => {
    const name = `kspray/${CLUSTER}/worker/worker-1`;
    const entries = archiveEntries(gunzipSync(secretNamed(name)!.value));
    // A worker's archive: its join config with the token (workers get no CA key).
    expect([...entries.keys()]).toEqual(['/etc/kspray/kubeadm.yaml']);
    s.identity.imds.role = PROFILE.worker;
    const calls = s.identity.nodeCalls.length;
    const r = await bootNode('worker-1');
    expect(r.code, r.out).toBe(0);
    expect(r.status).toMatch(/^phase=done state=done /);
    for (const [path, e] of entries) {
      const p = join(r.root, path);
      expect(readFileSync(p).equals(e.content), path).toBe(true);
      expect(statSync(p).mode & 0o7777, path).toBe(e.mode);
    }
    expect(existsSync(join(r.root, 'var/lib/kspray/secrets.tar'))).toBe(false);
    expect(existsSync(join(r.root, 'var/lib/kspray/secret.json'))).toBe(false);
    // Read once and deleted, both signed with the role's temporary credentials and session token.
    const mine = s.identity.nodeCalls.slice(calls);
    expect(mine.map((c) => [c.target, c.role, c.secretId, c.allowed])).toEqual([
      ['GetSecretValue', PROFILE.worker, name, true],
      ['DeleteSecret', PROFILE.worker, name, true],
    ]);
    for (const c of mine) {
      expect(c.tokenHeader).toBe(true);
      // curl 7.88 (Debian 12) signs the call's target and the session token too, not only host and date.
      expect(c.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-target', 'x-amz-security-token', 'content-type']));
    }
    expect(s.requests.filter((x) => x.service === 'secretsmanager' && x.auth.ok && x.auth.accessKeyId.startsWith('ASIA'))).toHaveLength(2);
    expect(secretNamed(name)).toBeUndefined();
  }, 60_000);

  it("a pool instance reaches IMDS directly even with spec.proxy set (link-local), and keeps the pool's secret for the next instances", async () => {
    s.identity.imds.role = PROFILE.worker;
    // A dead proxy for everything but 127.0.0.1 (Secrets Manager here); IMDS by another name for the same server.
    const proxy = "KSPRAY_HTTP_PROXY='http://127.0.0.1:9'\nKSPRAY_HTTPS_PROXY='http://127.0.0.1:9'\nKSPRAY_NO_PROXY='127.0.0.1'\n";
    const calls = s.identity.nodeCalls.length;
    const r = await bootNode('workers', 0, { env: proxy, imdsUrl: s.url.replace('127.0.0.1', 'localhost') });
    expect(r.code, r.out).toBe(0);
    expect(r.status).toMatch(/^phase=done state=done /);
    expect(s.identity.nodeCalls.slice(calls).map((c) => c.target)).toEqual(['GetSecretValue']);
    expect(secretNamed(`kspray/${CLUSTER}/worker/workers`)).toBeDefined();
  }, 60_000);

  it('keeps the secret when the bootstrap fails (a restart can fetch it again)', async () => {
    const name = `kspray/${CLUSTER}/control-plane/cp-2`;
    s.identity.imds.role = PROFILE['control-plane'];
    const r = await bootNode('cp-2', 1);
    expect(r.code).not.toBe(0);
    expect(r.status).toMatch(/^phase=join state=failed .*kubeadm join: gave up after 10 tries/);
    expect(existsSync(join(r.root, 'etc/kubernetes/pki/ca.key'))).toBe(true);
    expect(secretNamed(name)).toBeDefined();
  }, 60_000);

  it("is refused another role's secret: the phase fails naming the endpoint and AWS's reason, nothing unpacked", async () => {
    s.identity.imds.role = PROFILE.worker;
    const r = await bootNode('etcd-1');
    expect(r.code).not.toBe(0);
    expect(r.status).toMatch(new RegExp(`^phase=secrets state=failed .*msg=GetSecretValue kspray/${CLUSTER}/etcd/etcd-1: gave up after 6 tries: ${s.url.replace(/[.]/g, '\\.')} GetSecretValue kspray/${CLUSTER}/etcd/etcd-1: HTTP 400 AccessDeniedException`));
    expect(existsSync(join(r.root, 'etc/etcd/pki/ca.key'))).toBe(false);
    expect(secretNamed(`kspray/${CLUSTER}/etcd/etcd-1`)).toBeDefined();
  }, 60_000);

  it('fails with the metadata URL when the instance has no profile', async () => {
    s.identity.imds.role = undefined;
    const r = await bootNode('etcd-2');
    expect(r.code).not.toBe(0);
    expect(r.status).toMatch(/^phase=secrets state=failed .*msg=instance credentials from http:\/\/127\.0\.0\.1:\d+: gave up after 6 tries: http:\/\/127\.0\.0\.1:\d+\/latest\/meta-data\/iam\/security-credentials\/: \(22\) The requested URL returned error: 404/);
  }, 60_000);
});

describe('kspray aws apply: Flatcar s3:// pointers get the per-role identity (inline delivery)', () => {
  it("each role reads only its own nodes' config.ign, and every instance and template has its role's profile; no secret is stored", async () => {
    const f = await startEc2Server();
    try {
      const d = mkdtempSync(join(tmpdir(), 'kspray-aws-s3-'));
      writeFileSync(join(d, 'cluster.yaml'), readFileSync(exampleFile('flatcar-ha'), 'utf8'));
      const r = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--region', 'us-east-1', '--endpoint', f.url, '--image', 'ami-0123456789abcdef0'], d, { ...awsTestEnv(), AWS_ENDPOINT_URL_IAM: f.url, AWS_ENDPOINT_URL_SECRETS_MANAGER: f.url });
      expect(r.code, r.err).toBe(0);
      const cp = f.identity.roles.find((x) => x.name === 'kspray-flatcar-ha-control-plane')!;
      const worker = f.identity.roles.find((x) => x.name === 'kspray-flatcar-ha-worker')!;
      expect(f.identity.roles.map((x) => x.name).sort()).toEqual([cp.name, worker.name]);
      const object = (node: string) => `arn:aws:s3:::kspray-flatcar-ha/ignition/${node}/config.ign`;
      for (const n of ['cp-1', 'cp-2', 'cp-3']) {
        expect(roleAllows(cp, 's3:GetObject', object(n))).toBe(true);
        expect(roleAllows(worker, 's3:GetObject', object(n))).toBe(false);
      }
      for (const n of ['worker-1', 'worker-2', 'workers']) {
        expect(roleAllows(worker, 's3:GetObject', object(n))).toBe(true);
        expect(roleAllows(cp, 's3:GetObject', object(n))).toBe(false);
      }
      // Inline delivery: no secret, and no Secrets Manager permission.
      expect(f.requests.filter((x) => x.service === 'secretsmanager')).toEqual([]);
      expect(roleAllows(cp, 'secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kspray/flatcar-ha/control-plane/cp-1-AbCdEf')).toBe(false);
      const runs = f.requests.filter((x) => x.action === 'RunInstances');
      expect(runs).toHaveLength(5);
      for (const x of runs) expect(x.params['IamInstanceProfile.Name']).toBe(x.params['TagSpecification.1.Tag.1.Value']!.startsWith('cp-') ? cp.name : worker.name);
      const lt = f.requests.find((x) => x.action === 'CreateLaunchTemplate')!;
      expect(lt.params['LaunchTemplateData.IamInstanceProfile.Name']).toBe(worker.name);
    } finally {
      await f.close();
    }
  }, 120_000);
});
