// The AWS logic without the SDK or a server: image choice, idempotency tokens, queries, dry-run text,
// and that the SDK is only ever loaded lazily by src/aws/client.ts.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { newestImage, amiQuery, distroArches } from '../../src/aws/images.js';
import { applyAws, clientToken, describeCall, type ApplyOptions } from '../../src/aws/apply.js';
import type { AwsApi, Ec2, Ec2Action } from '../../src/aws/client.js';
import type { ClusterModel } from '../../src/model/model.js';
import { randomBytes } from 'node:crypto';
import { DISTROS } from '../../src/emit/packer/distros.js';
import { packerImageTags } from '../../src/emit/packer/template.js';
import { packageAll } from '../../src/emit/providers/index.js';
import { exampleFile, loadExample, renderFixture, repoRoot } from '../helpers/fixtures.js';
import { awsTestEnv } from '../helpers/ec2Server.js';

describe('newestImage', () => {
  it('picks the latest CreationDate whatever the order, ties by ImageId; none for no images', () => {
    const a = { ImageId: 'ami-a', CreationDate: '2025-01-01T00:00:00.000Z' };
    const b = { ImageId: 'ami-b', CreationDate: '2025-03-01T00:00:00.000Z' };
    const c = { ImageId: 'ami-c', CreationDate: '2024-12-31T23:59:59.000Z' };
    expect(newestImage([a, b, c])).toBe(b);
    expect(newestImage([c, b, a])).toBe(b);
    const b2 = { ImageId: 'ami-z', CreationDate: b.CreationDate };
    expect(newestImage([b2, b])).toBe(b2);
    expect(newestImage([b, b2])).toBe(b2);
    expect(newestImage([{ ImageId: 'ami-nodate' }, a])).toBe(a);
    expect(newestImage([])).toBeUndefined();
  });
});

describe('clientToken', () => {
  it('is stable for the same cluster, node and payload and changes with any of them; 64 hex chars', () => {
    const t = clientToken('ha', 'cp-1', 'aa'.repeat(32));
    expect(t).toMatch(/^[0-9a-f]{64}$/);
    expect(clientToken('ha', 'cp-1', 'aa'.repeat(32))).toBe(t);
    expect(clientToken('ha', 'cp-2', 'aa'.repeat(32))).not.toBe(t);
    expect(clientToken('ha', 'cp-1', 'bb'.repeat(32))).not.toBe(t);
    expect(clientToken('hb', 'cp-1', 'aa'.repeat(32))).not.toBe(t);
    // No ambiguity from concatenation.
    expect(clientToken('a', 'bc', 'x')).not.toBe(clientToken('ab', 'c', 'x'));
  });
});

describe('amiQuery', () => {
  it('uses the Packer templates\' official owner and name filter, or their tags for baked images', () => {
    const model = loadExample('ha');
    expect(distroArches(model).map((d) => `${d.distro}/${d.arch}`)).toEqual(['debian-12/amd64', 'debian-13/amd64', 'ubuntu-22.04/amd64', 'ubuntu-24.04/amd64']);
    const q = amiQuery(model, 'debian-12', 'arm64', false);
    expect(q.params.Owners).toEqual([DISTROS['debian-12'].aws.owner]);
    expect(q.params.Filters).toContainEqual({ Name: 'name', Values: [DISTROS['debian-12'].aws.name('arm64')] });
    expect(q.params.Filters).toContainEqual({ Name: 'architecture', Values: ['arm64'] });
    const baked = amiQuery(model, 'ubuntu-24.04', 'amd64', true);
    expect(baked.params.Owners).toEqual(['self']);
    for (const [k, v] of Object.entries(packerImageTags('ha', 'ubuntu-24.04', 'amd64', model.kubernetes.version))) {
      expect(baked.params.Filters).toContainEqual({ Name: `tag:${k}`, Values: [v] });
    }
  });
});

describe('amiQuery for the distributions of issue 20', () => {
  it('looks up Rocky 10 and Ubuntu 26.04 with their vendors\' owner and name; openEuler, with no official AMI, is left out', () => {
    const rocky = loadExample('rocky10-crio-cilium');
    expect(distroArches(rocky).map((d) => `${d.distro}/${d.arch}`)).toEqual(['rocky-10/amd64']);
    const q = amiQuery(rocky, 'rocky-10', 'arm64', false);
    expect(q.params.Owners).toEqual(['792107900819']);
    expect(q.params.Filters).toContainEqual({ Name: 'name', Values: ['Rocky-10-EC2-Base-10.*.aarch64'] });
    const ubuntu = amiQuery(loadExample('ubuntu2604-containerd-cilium'), 'ubuntu-26.04', 'amd64', false);
    expect(ubuntu.params.Filters).toContainEqual({ Name: 'name', Values: ['ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-*'] });
    expect(distroArches(loadExample('openeuler-containerd-flannel'))).toEqual([]);
  });
});

describe('describeCall', () => {
  it('shows user data as size and sha256 only, also inside launch template data', () => {
    const ud = Buffer.from('#cloud-config\nsecret: yes\n').toString('base64');
    const line = describeCall('CreateLaunchTemplate', { LaunchTemplateName: 'x', LaunchTemplateData: { UserData: ud, ImageId: 'ami-1' } });
    expect(line).toMatch(/^CreateLaunchTemplate \{"LaunchTemplateName":"x","LaunchTemplateData":\{"UserData":"<26 bytes, sha256 [0-9a-f]{64}>","ImageId":"ami-1"\}\}$/);
    expect(line).not.toContain(ud);
  });
});

describe('applyAws', () => {
  it('refuses --image auto for an Ignition OS node before any call', async () => {
    const model = loadExample('mixed');
    const r = await renderFixture(model);
    const packaged = packageAll('aws', r.model.nodes, r.payloads, r.model.name);
    const sent: Ec2Action[] = [];
    const ec2: Ec2 = { send: async (action) => (sent.push(action), {}) };
    const o: ApplyOptions = { image: 'auto', dryRun: false };
    await expect(applyAws(ec2, r, packaged, o)).rejects.toThrow(/kspray knows no official AMI for os (flatcar|fedora-coreos)/);
    expect(sent).toEqual([]);
  });

  it('refuses --image auto for openEuler (a Packer distro without an official AMI) before any call', async () => {
    const r = await renderFixture(loadExample('openeuler-containerd-flannel'));
    const packaged = packageAll('aws', r.model.nodes, r.payloads, r.model.name);
    const sent: Ec2Action[] = [];
    const ec2: Ec2 = { send: async (action) => (sent.push(action), {}) };
    await expect(applyAws(ec2, r, packaged, { image: 'auto', dryRun: false })).rejects.toThrow(/node "cp-1": kspray knows no official AMI for os openeuler-24\.03/);
    expect(sent).toEqual([]);
  });
});

describe('applyAws with IPv6 node addresses', () => {
  it('refuses an IPv6 node before any call: RunInstances would drop its IPv6 address', async () => {
    const r = await renderFixture(loadExample('ipv6-debian-flannel-haproxy'));
    const packaged = packageAll('aws', r.model.nodes, r.payloads, r.model.name);
    const sent: Ec2Action[] = [];
    const ec2: Ec2 = { send: async (action) => (sent.push(action), {}) };
    await expect(applyAws(ec2, r, packaged, { image: 'ami-1', dryRun: false } as ApplyOptions)).rejects.toThrow(
      /node "cp-1" has the IPv6 address fd00:20::11: kspray aws apply assigns only the IPv4 private address/,
    );
    expect(sent).toEqual([]);
  });
});

describe('applyAws with delivery aws-secrets-manager', () => {
  const withAws = (m: ClusterModel): ClusterModel => ({ ...m, provider: 'aws', secrets: { delivery: 'aws-secrets-manager' } });
  const recorder = () => {
    const sent: string[] = [];
    const api = <A extends string>(): AwsApi<A> => ({ send: async (action, _p, expected = []) => (sent.push(action), expected.length && /^Get/.test(action) ? { $error: expected[0] } : {}) });
    return { sent, api };
  };

  it('waits out instance-profile propagation: RunInstances is retried on "Invalid IAM Instance Profile name", other errors fail at once', async () => {
    const r = await renderFixture(withAws(loadExample('single')), 'single');
    const packaged = packageAll('aws', r.model.nodes, r.payloads, r.model.name);
    const { sent, api } = recorder();
    let refusals = 2;
    const waits: number[] = [];
    const ec2: Ec2 = {
      send: async (action, _p, expected = []) => {
        sent.push(action);
        if (action === 'RunInstances' && refusals > 0 && expected.includes('InvalidParameterValue')) {
          refusals--;
          return { $error: 'InvalidParameterValue', $message: "Value (kspray-single-control-plane) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name" };
        }
        return {};
      },
    };
    await applyAws(ec2, r, packaged, { image: 'ami-1', dryRun: false, sleep: async (ms) => void waits.push(ms) }, { iam: api(), secretsManager: api(), region: 'eu-west-1' });
    expect(waits).toEqual([5000, 5000]);
    expect(sent.filter((a) => a === 'RunInstances')).toHaveLength(3 + 2);

    const failing: Ec2 = { send: async (action) => (action === 'RunInstances' ? { $error: 'InvalidParameterValue', $message: 'Invalid value for PrivateIpAddress' } : {}) };
    await expect(applyAws(failing, r, packaged, { image: 'ami-1', dryRun: false, sleep: async () => expect.unreachable() }, { iam: api(), secretsManager: api(), region: 'eu-west-1' })).rejects.toThrow(
      /EC2 RunInstances failed: InvalidParameterValue: Invalid value for PrivateIpAddress/,
    );
  });

  it('refuses an archive over Secrets Manager\'s 64 KiB before any call', async () => {
    const r = await renderFixture(withAws(loadExample('single')), 'single');
    const packaged = packageAll('aws', r.model.nodes, r.payloads, r.model.name);
    // An archive of random bytes (incompressible) over the limit, as a big PKI would make.
    r.served.set('cp-1', [{ relPath: 'cp-1/secrets.tar', content: randomBytes(70_000) }]);
    const { sent, api } = recorder();
    const ec2: Ec2 = { send: async (action) => (sent.push(action), {}) };
    await expect(applyAws(ec2, r, packaged, { image: 'ami-1', dryRun: false }, { iam: api(), secretsManager: api(), region: 'eu-west-1' })).rejects.toThrow(
      /the secrets archive of "cp-1" is \d+ bytes gzipped: over Secrets Manager's 65536-byte secret limit/,
    );
    expect(sent).toEqual([]);
  });
});

describe('the AWS SDK is loaded lazily', () => {
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

  it('only src/aws/client.ts refers to @aws-sdk, and only through a dynamic import()', () => {
    const hits = files(join(repoRoot, 'src'))
      .filter((f) => f.endsWith('.ts') && readFileSync(f, 'utf8').includes('@aws-sdk'))
      .map((f) => relative(repoRoot, f));
    expect(hits).toEqual(['src/aws/client.ts']);
    const client = readFileSync(join(repoRoot, 'src', 'aws', 'client.ts'), 'utf8');
    expect(client).not.toMatch(/^\s*import\s[^(]*from\s+['"]@aws-sdk/m);
    expect(client).toContain("await import('@aws-sdk/client-ec2')");
  });

  it('validate, --help and aws apply --dry-run run without resolving any @aws-sdk module; aws images does', () => {
    // A module resolve hook that fails any @aws-sdk import, so a load anywhere in the graph is caught.
    const dir = mkdtempSync(join(tmpdir(), 'kspray-lazy-'));
    const hook = `export async function resolve(s, c, next) { if (s.startsWith('@aws-sdk/')) throw new Error('KSPRAY-TEST-SDK-LOADED ' + s); return next(s, c); }`;
    // The same for require(): the bundle's chunks are CommonJS and load the (external) SDK with it.
    const requireHook = `const orig = Module._resolveFilename; Module._resolveFilename = function (s, ...rest) { if (s.startsWith('@aws-sdk/')) throw new Error('KSPRAY-TEST-SDK-LOADED ' + s); return orig.call(this, s, ...rest); };`;
    writeFileSync(join(dir, 'register.mjs'), `import Module, { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n${requireHook}\n`);
    writeFileSync(join(dir, 'cluster.yaml'), readFileSync(exampleFile('single'), 'utf8'));
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', join(dir, 'register.mjs'), join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { cwd: dir, env: awsTestEnv(), encoding: 'utf8', timeout: 60_000 });
    for (const args of [['validate', '-f', 'cluster.yaml'], ['--help'], ['aws', '--help'], ['aws', 'apply', '-f', 'cluster.yaml', '--out', 'out', '--image', 'ami-1', '--dry-run']]) {
      const r = run(args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toContain('KSPRAY-TEST-SDK-LOADED');
    }
    // The hook works: the command that needs the SDK trips it (before any network use).
    const images = run(['aws', 'images', '-f', 'cluster.yaml', '--region', 'us-east-1', '--endpoint', 'http://127.0.0.1:9']);
    expect(images.status).toBe(1);
    expect(images.stderr).toContain('KSPRAY-TEST-SDK-LOADED @aws-sdk/client-ec2');

    // delivery aws-secrets-manager: the dry run prints the IAM and Secrets Manager calls too (secret
    // values as size and sha256, never their bytes), still without loading any SDK.
    writeFileSync(join(dir, 'sm.yaml'), readFileSync(exampleFile('single'), 'utf8').replace(/^ {2}nodes:$/m, '  provider: { name: aws }\n  secrets: { delivery: aws-secrets-manager }\n  nodes:'));
    const dry = run(['aws', 'apply', '-f', 'sm.yaml', '--out', 'out-sm', '--image', 'ami-1', '--region', 'eu-west-1', '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stderr).not.toContain('KSPRAY-TEST-SDK-LOADED');
    const actions = dry.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]);
    expect(actions.filter((a) => a === 'CreateInstanceProfile')).toHaveLength(2);
    expect(actions.filter((a) => a === 'CreateSecret')).toHaveLength(3);
    expect(dry.stdout).toMatch(/CreateSecret \{"Name":"kspray\/single\/control-plane\/cp-1","SecretBinary":"<\d+ bytes gzip, sha256 [0-9a-f]{64}>"/);
    expect(dry.stdout).toContain('arn:aws:secretsmanager:eu-west-1:*:secret:kspray/single/control-plane/*');
    expect(dry.stdout).not.toContain('PRIVATE KEY');
  });
});
