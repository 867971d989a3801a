// `kspray aws images` / `kspray aws apply` as users run them (dist/cli/main.js), against a loopback
// EC2 Query API server (test/helpers/ec2Server.ts) with static test credentials and the metadata
// service disabled. The assertions are on the wire: what EC2 would have received.
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { exampleFile, repoRoot } from '../helpers/fixtures.js';
import { awsTestEnv, filters, startEc2Server, tagSpec, type Ec2Server, type FakeImage, type WireRequest } from '../helpers/ec2Server.js';
import { DISTROS } from '../../src/emit/packer/distros.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');

function kspray(args: string[], cwd: string, env = awsTestEnv()): Promise<{ code: number; out: string; err: string }> {
  // Asynchronous: the fake EC2 server runs in this process and must keep answering.
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, env, timeout: 45_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out: stdout, err: stderr });
    });
  });
}

/** The single example plus a worker pool. */
function workdir(edit: (s: string) => string = (s) => s): string {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-aws-'));
  const spec = readFileSync(exampleFile('single'), 'utf8') + '  pools:\n    - { name: batch, roles: [worker], count: 3 }\n';
  writeFileSync(join(dir, 'cluster.yaml'), edit(spec));
  return dir;
}

const UBUNTU = DISTROS['ubuntu-24.04'].aws;
const images = (): FakeImage[] => [
  { imageId: 'ami-00000000000000old', name: UBUNTU.name('amd64').replace('*', '20240101'), creationDate: '2024-01-01T10:00:00.000Z', ownerId: UBUNTU.owner },
  { imageId: 'ami-00000000000000new', name: UBUNTU.name('amd64').replace('*', '20250601'), creationDate: '2025-06-01T10:00:00.000Z', ownerId: UBUNTU.owner },
  { imageId: 'ami-0000000000000mid', name: UBUNTU.name('amd64').replace('*', '20250101'), creationDate: '2025-01-01T10:00:00.000Z', ownerId: UBUNTU.owner },
  // Same name pattern, newer, but not Canonical's: must never be chosen.
  { imageId: 'ami-00000000000impostor', name: UBUNTU.name('amd64').replace('*', '20260101'), creationDate: '2026-01-01T10:00:00.000Z', ownerId: '666666666666' },
  {
    imageId: 'ami-0000000000000baked',
    name: 'kspray-single-ubuntu-24-04-amd64',
    creationDate: '2025-07-01T10:00:00.000Z',
    ownerId: 'self',
    tags: { 'kspray.dev/cluster': 'single', 'kspray.dev/distro': 'ubuntu-24.04', 'kspray.dev/arch': 'amd64', 'kspray.dev/kubernetes-version': '1.36.4' },
  },
];

const unzipMaybe = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b);
const decodeUserData = (b64: string) => unzipMaybe(Buffer.from(b64, 'base64')).toString('utf8');
const calls = (s: Ec2Server, action: string) => s.requests.filter((r) => r.action === action);
const actions = (reqs: WireRequest[]) => reqs.map((r) => r.action);

const IMDSV2_ONLY = { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: '1' };
/** The MetadataOptions members of a Query API request, e.g. prefix 'LaunchTemplateData.MetadataOptions'. */
const metadataOptionsOf = (params: Record<string, string>, prefix: string) =>
  Object.fromEntries(Object.entries(params).filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));

let servers: Ec2Server[] = [];
async function server(state?: Parameters<typeof startEc2Server>[0]): Promise<Ec2Server> {
  const s = await startEc2Server(state);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('kspray aws images', () => {
  it('finds the newest official AMI with the vendor owner and name filter, and --baked by the Packer tags', async () => {
    const s = await server({ images: images() });
    const dir = workdir();
    const r = await kspray(['aws', 'images', '-f', 'cluster.yaml', '--region', 'us-east-1', '--endpoint', s.url], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ubuntu-24\.04\s+amd64\s+ami-00000000000000new\s+2025-06-01/);
    expect(r.err).not.toContain('NodeVersionSupportWarning');
    const [req] = calls(s, 'DescribeImages');
    expect(req!.params['Owner.1']).toBe(UBUNTU.owner);
    expect(filters(req!.params).get('name')).toEqual([UBUNTU.name('amd64')]);
    expect(filters(req!.params).get('architecture')).toEqual(['x86_64']);

    const b = await kspray(['aws', 'images', '-f', 'cluster.yaml', '--region', 'us-east-1', '--endpoint', s.url, '--baked'], dir);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/ubuntu-24\.04\s+amd64\s+ami-0000000000000baked/);
    const baked = calls(s, 'DescribeImages').at(-1)!;
    expect(baked.params['Owner.1']).toBe('self');
    const f = filters(baked.params);
    expect(f.get('tag:kspray.dev/cluster')).toEqual(['single']);
    expect(f.get('tag:kspray.dev/distro')).toEqual(['ubuntu-24.04']);
    expect(f.get('tag:kspray.dev/kubernetes-version')).toEqual(['1.36.4']);
    expect(f.has('name')).toBe(false);
  });

  it('exits 1 when an image is missing, and reports an EC2 error with the call and code', async () => {
    const s = await server({ images: [] });
    const dir = workdir();
    const none = await kspray(['aws', 'images', '-f', 'cluster.yaml', '--region', 'us-east-1', '--endpoint', s.url], dir);
    expect(none.code).toBe(1);
    expect(none.out).toMatch(/ubuntu-24\.04\s+amd64\s+-\s+-\s+none \(owner 099720109477/);
    expect(none.err).toContain('error[aws-image-found]: no AMI found for an official ubuntu-24.04 amd64 image (owner 099720109477, name=ubuntu/images/');
    const bad = await kspray(['aws', 'images', '-f', 'cluster.yaml', '--region', 'us-east-1', '--endpoint', s.url], dir, { ...awsTestEnv(), AWS_ACCESS_KEY_ID: 'AKIDWRONG' });
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('error[aws-call]: EC2 DescribeImages failed: AuthFailure: unknown access key AKIDWRONG');
    expect(bad.err).not.toMatch(/\n\s+at /);
  });
});

describe('kspray aws apply', () => {
  it('runs fixed nodes with their IP, payload and tags, a launch template per pool; idempotent on a second run', async () => {
    const s = await server({ images: images() });
    const dir = workdir();
    const args = ['aws', 'apply', '-f', 'cluster.yaml', '--out', 'out', '--region', 'us-east-1', '--endpoint', s.url, '--subnet', 'subnet-0abc', '--security-group', 'sg-1,sg-2'];
    const r = await kspray(args, dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('created secrets bundle');
    expect(existsSync(join(dir, 'out', 'single', 'secrets', 'ca.key'))).toBe(true);

    // The payloads render deterministically from the bundle apply created.
    const payload = async (node: string) => {
      const p = await kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--node', node], dir);
      expect(p.code, p.err).toBe(0);
      return p.out;
    };

    const lt = calls(s, 'CreateLaunchTemplate');
    expect(lt).toHaveLength(1);
    expect(lt[0]!.params.LaunchTemplateName).toBe('kspray-single-batch');
    expect(decodeUserData(lt[0]!.params['LaunchTemplateData.UserData']!)).toBe(await payload('batch'));
    expect(lt[0]!.params['LaunchTemplateData.ImageId']).toBe('ami-00000000000000new');
    expect(lt[0]!.params['LaunchTemplateData.SecurityGroupId.1']).toBe('sg-1');
    expect(tagSpec(lt[0]!.params, 'launch-template')).toEqual({ 'kspray.dev/cluster': 'single', 'kspray.dev/pool': 'batch' });
    expect(tagSpec(lt[0]!.params, 'instance', 'LaunchTemplateData.TagSpecification')).toMatchObject({ 'kspray.dev/cluster': 'single', 'kspray.dev/pool': 'batch' });

    const runs = calls(s, 'RunInstances');
    expect(runs.map((x) => x.params.PrivateIpAddress)).toEqual(['10.0.0.11', '10.0.0.21', '10.0.0.22']);
    for (const [i, node] of ['cp-1', 'worker-1', 'worker-2'].entries()) {
      const p = runs[i]!.params;
      expect(decodeUserData(p.UserData!)).toBe(await payload(node));
      expect(Buffer.from(p.UserData!, 'base64').length).toBeLessThanOrEqual(16384);
      expect(tagSpec(p, 'instance')).toEqual({ Name: node, 'kspray.dev/cluster': 'single', 'kspray.dev/node': node });
      expect(p).toMatchObject({ ImageId: 'ami-00000000000000new', MinCount: '1', MaxCount: '1', SubnetId: 'subnet-0abc', 'SecurityGroupId.1': 'sg-1', 'SecurityGroupId.2': 'sg-2', InstanceType: 't3.medium' });
      expect(p.ClientToken).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(runs.map((x) => x.params.ClientToken)).size).toBe(3);
    // IMDSv2 only, hop limit 1, on every launch template and instance.
    for (const p of runs.map((x) => x.params)) expect(metadataOptionsOf(p, 'MetadataOptions')).toEqual(IMDSV2_ONLY);
    expect(metadataOptionsOf(lt[0]!.params, 'LaunchTemplateData.MetadataOptions')).toEqual(IMDSV2_ONLY);
    expect(s.state.instances).toHaveLength(3);
    expect(r.out).toContain('node cp-1: i-');

    // Second run: the instances are pending/running, the template exists.
    const before = s.requests.length;
    const again = await kspray(args, dir);
    expect(again.code, again.err).toBe(0);
    const second = s.requests.slice(before);
    expect(actions(second)).not.toContain('RunInstances');
    expect(actions(second)).not.toContain('CreateLaunchTemplate');
    const version = second.filter((x) => x.action === 'CreateLaunchTemplateVersion');
    expect(version).toHaveLength(1);
    expect(version[0]!.params.LaunchTemplateName).toBe('kspray-single-batch');
    expect(decodeUserData(version[0]!.params['LaunchTemplateData.UserData']!)).toBe(await payload('batch'));
    expect(metadataOptionsOf(version[0]!.params, 'LaunchTemplateData.MetadataOptions')).toEqual(IMDSV2_ONLY);
    expect(s.state.launchTemplates).toEqual([expect.objectContaining({ name: 'kspray-single-batch', versions: 2 })]);
    expect(s.state.instances).toHaveLength(3);
    expect(again.out).toMatch(/node cp-1: already running as i-\S+, skipped/);
    const described = second.find((x) => x.action === 'DescribeInstances')!;
    expect(filters(described.params).get('tag:kspray.dev/cluster')).toEqual(['single']);
    expect(filters(described.params).get('instance-state-name')).toEqual(['pending', 'running']);

    // A retry that does not see the instances (e.g. a lost answer): the same ClientTokens.
    const fresh = await server({ images: images() });
    const retry = await kspray([...args.slice(0, 9), fresh.url, ...args.slice(10)], dir);
    expect(retry.code, retry.err).toBe(0);
    expect(calls(fresh, 'RunInstances').map((x) => x.params.ClientToken)).toEqual(runs.map((x) => x.params.ClientToken));
  });

  it('--allow-imdsv1 is the only way to instances and templates that answer IMDSv1 (hop limit still 1)', async () => {
    const s = await server({ images: images() });
    const dir = workdir();
    const r = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--out', 'out', '--region', 'us-east-1', '--endpoint', s.url, '--allow-imdsv1'], dir);
    expect(r.code, r.err).toBe(0);
    const optional = { HttpEndpoint: 'enabled', HttpTokens: 'optional', HttpPutResponseHopLimit: '1' };
    expect(calls(s, 'RunInstances').map((x) => metadataOptionsOf(x.params, 'MetadataOptions'))).toEqual([optional, optional, optional]);
    expect(metadataOptionsOf(calls(s, 'CreateLaunchTemplate')[0]!.params, 'LaunchTemplateData.MetadataOptions')).toEqual(optional);
  });

  it('--dry-run prints the calls with user data as size and sha256 and sends nothing', async () => {
    const s = await server({ images: images() });
    const dir = workdir();
    const r = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--out', 'out', '--region', 'us-east-1', '--endpoint', s.url, '--image', 'ami-12345678', '--dry-run'], dir);
    expect(r.code, r.err).toBe(0);
    expect(s.requests).toHaveLength(0);
    const lines = r.out.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['DescribeLaunchTemplates', 'CreateLaunchTemplate', 'DescribeInstances', 'RunInstances', 'RunInstances', 'RunInstances']);
    const run = JSON.parse(lines[3]!.slice('RunInstances '.length));
    expect(run).toMatchObject({ ImageId: 'ami-12345678', PrivateIpAddress: '10.0.0.11' });
    expect(run.UserData).toMatch(/^<\d+ bytes( gzip)?, sha256 [0-9a-f]{64}>$/);
    expect(r.out).not.toContain('cloud-config');
    expect(r.out).not.toContain('H4sI'); // base64 of a gzip header
    expect(r.err).toContain('dry run: no call was made');
  });

  it('refuses a payload over the EC2 limit before any call or write (exit 2)', async () => {
    const s = await server({ images: images() });
    // RSA keys make the control-plane payload too big for 16 KiB even gzipped.
    const dir = workdir((t) => t.replace('  nodes:', '  pki: { algorithm: RSA-2048 }\n  nodes:'));
    const r = await kspray(['aws', 'apply', '-f', 'cluster.yaml', '--out', 'out', '--region', 'us-east-1', '--endpoint', s.url], dir);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(/cluster\.yaml:\d+:\d+: error\[user-data-fits-provider\]: node "cp-1"/);
    expect(s.requests).toHaveLength(0);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
