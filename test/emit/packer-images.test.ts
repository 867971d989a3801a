// Golden images that are safe and valid everywhere: every template of every example and matrix
// scenario satisfies each cloud's documented naming rule, parses with Packer itself, runs an image
// test before capture, and seals the image (no build user, key, password SSH or instance state left),
// with checks that fail the build when the seal did not take.
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packerOutputs } from '../../src/emit/packer/index.js';
import { GCE_FAMILY_RULE, IMAGE_NAME_RULES, fitName } from '../../src/emit/packer/names.js';
import { sealScript } from '../../src/emit/packer/seal.js';
import type { PackerBuilder } from '../../src/emit/packer/template.js';
import type { OutputFile } from '../../src/io/files.js';
import { SCENARIOS, loadExample, renderFixture } from '../helpers/fixtures.js';
import { cloudInitRoot, cloudInitSchema, haveTool, requireValidators, tool } from '../helpers/validators.js';
import { HclExpr, blocks, parseHcl, type HclBody } from '../helpers/hcl.js';

const text = (c: string | Uint8Array) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'));
let templates: Array<{ scenario: string; file: OutputFile; builder: PackerBuilder; hcl: string; body: HclBody }> = [];

beforeAll(async () => {
  templates = [];
  for (const scenario of SCENARIOS) {
    const r = await renderFixture(loadExample(scenario));
    for (const file of packerOutputs(r).files.filter((f) => f.relPath.endsWith('.pkr.hcl'))) {
      const hcl = text(file.content);
      const builder = file.relPath.split('/').at(-1)!.replace('.pkr.hcl', '') as PackerBuilder;
      templates.push({ scenario, file, builder, hcl, body: parseHcl(hcl) });
    }
  }
}, 300_000);

/** local.image_name as the build evaluates it, with the timestamp a build would put in. */
function imageName(hcl: string): string {
  const m = /image_name\s+= "(.*)-\$\{formatdate\("YYYYMMDDhhmmss", timestamp\(\)\)\}"/.exec(hcl);
  if (!m) throw new Error('no local.image_name');
  return `${m[1]}-20261207235959`;
}

const stringMap = (v: unknown): Record<string, string> => {
  if (!v || typeof v !== 'object') throw new Error(`not a map: ${String(v)}`);
  return v as Record<string, string>;
};

describe('image names and tags follow each cloud\'s rule, by construction', () => {
  it('renders templates for every scenario', () => {
    expect(new Set(templates.map((t) => t.scenario)).size).toBeGreaterThan(10);
    expect(new Set(templates.map((t) => t.builder))).toEqual(new Set(Object.keys(IMAGE_NAME_RULES)));
  });

  it('every template\'s image name fits its cloud\'s length and character rule', () => {
    const bad = templates
      .map((t) => ({ t, name: imageName(t.hcl), rule: IMAGE_NAME_RULES[t.builder] }))
      .filter(({ name, rule }) => name.length > rule.maxLength || !rule.pattern.test(name))
      .map(({ t, name, rule }) => `${t.file.relPath}: ${name} (${rule.describe})`);
    expect(bad).toEqual([]);
  });

  it('a cluster name of 40 characters still gives valid, distinct, stable GCE and Azure names', () => {
    const base = (c: string) => `kspray-${c}-almalinux-9-arm64-k8s-1-36-4`;
    const a = fitName(base('a'.repeat(40)), 63 - 15);
    const b = fitName(base('a'.repeat(39) + 'b'), 63 - 15);
    expect(a.length).toBeLessThanOrEqual(48);
    expect(a).not.toEqual(b);
    expect(fitName(base('a'.repeat(40)), 48)).toEqual(a);
    expect(IMAGE_NAME_RULES.googlecompute.pattern.test(`${a}-20261207235959`)).toBe(true);
    expect(fitName('short', 48)).toBe('short');
  });

  it('GCE image families and labels, Azure and OCI tag keys are valid', () => {
    for (const t of templates) {
      const src = blocks(t.body, 'source')[0]!.body.attrs;
      if (t.builder === 'googlecompute') {
        const family = String(src.image_family);
        expect(GCE_FAMILY_RULE.pattern.test(family), `${t.file.relPath}: family ${family}`).toBe(true);
        for (const [k, v] of Object.entries(stringMap(src.image_labels))) {
          expect(k, t.file.relPath).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
          expect(v, t.file.relPath).toMatch(/^[a-z0-9_-]{0,63}$/);
        }
      }
      if (t.builder === 'azure-arm') {
        for (const k of Object.keys(stringMap(src.azure_tags))) expect(k, t.file.relPath).not.toMatch(/[<>%&\\?/]/);
      }
      if (t.builder === 'oracle-oci') {
        for (const k of Object.keys(stringMap(src.tags))) expect(k, t.file.relPath).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
      }
      if (t.builder === 'amazon-ebs') {
        // kspray aws images --baked finds AMIs by these keys.
        expect(Object.keys(stringMap(src.tags))).toContain('kspray.dev/cluster');
      }
    }
  });
});

const PACKER = () => tool('packer');

/** Debian's packer 1.6.6 predates the `packer {}` block (required_plugins): strip it in the copy. */
function withoutPackerBlock(hcl: string): string {
  const out: string[] = [];
  let depth = 0;
  let skipping = false;
  for (const line of hcl.split('\n')) {
    if (!skipping && /^packer\s*\{/.test(line)) skipping = true;
    if (skipping) {
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
      if (depth <= 0) skipping = false;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

describe('Packer itself reads every template', () => {
  it.runIf(haveTool('packer'))('packer validate -syntax-only passes on every generated template (and fails on a broken one)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kspray-packer-'));
    try {
      const check = (hcl: string) => {
        rmSync(join(dir, 't.pkr.hcl'), { force: true });
        writeFileSync(join(dir, 't.pkr.hcl'), withoutPackerBlock(hcl));
        return spawnSync(PACKER(), ['validate', '-syntax-only', 't.pkr.hcl'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
      };
      const broken = check(templates[0]!.hcl.replace(/\}\s*$/, ''));
      expect(broken.status, 'packer must reject a template missing its last brace').not.toBe(0);
      const failures = templates.map((t) => ({ t, r: check(t.hcl) })).filter(({ r }) => r.status !== 0);
      expect(failures.map(({ t, r }) => `${t.file.relPath}: ${r.stdout}${r.stderr}`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('the image test and the seal run before capture', () => {
  it('every template tests the image after the install phases and seals it; qemu and vsphere-clone seal in their shutdown', () => {
    for (const t of templates) {
      const builds = blocks(t.body, 'build')[0]!.body;
      const shells = blocks(builds, 'provisioner').filter((p) => p.labels[0] === 'shell').map((p) => (p.body.attrs.inline as string[]) ?? []);
      const installIdx = shells.findIndex((s) => s.some((l) => l.includes('--only-install')));
      const testIdx = shells.findIndex((s) => s.some((l) => l.includes('kspray image test')));
      expect(installIdx, t.file.relPath).toBeGreaterThanOrEqual(0);
      expect(testIdx, t.file.relPath).toBeGreaterThan(installIdx);
      const src = blocks(t.body, 'source')[0]!.body.attrs;
      if (t.builder === 'qemu' || t.builder === 'vsphere-clone') {
        const shutdown = String(src.shutdown_command);
        expect(shutdown).toContain('userdel --force --remove packer');
        expect(shutdown.indexOf('kspray seal check')).toBeLessThan(shutdown.indexOf('shutdown -P now'));
      } else {
        expect(shells.at(-1)!.join('\n'), t.file.relPath).toContain('kspray seal check');
      }
      // the image test names every raw binary's catalog sha256
      expect(shells[testIdx]!.join('\n'), t.file.relPath + ' ' + t.scenario).toMatch(/kubelet is not the catalog/);
      expect(t.hcl).not.toMatch(/shutdown_command\s*=\s*"sudo shutdown -P now"/);
      expect(src.shutdown_command instanceof HclExpr).toBe(false);
    }
  });

  // The seal run for real, as root, in a private mount namespace whose /etc/ssh, /root, /home,
  // /etc/sudoers.d and cloud state are scratch directories; commands that would change this machine
  // (userdel, cloud-init, getent) are stubs on PATH that act on those scratch directories.
  const root = process.getuid?.() === 0 && existsSync('/usr/bin/unshare');
  it.runIf(root || requireValidators)('the seal leaves nothing of the build, and its checks fail the build when something stays', () => {
    expect(root, 'needs root and unshare (CI runs as root)').toBe(true);
    const run = (plantAfterSeal: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'kspray-seal-'));
      const stubs = join(dir, 'bin');
      mkdirSync(stubs);
      // userdel removes the user from a scratch passwd; getent reads it; cloud-init clean removes the instance link.
      writeFileSync(join(stubs, 'userdel'), `#!/bin/sh\nsed -i "/^\${3}:/d" ${dir}/passwd\n`, { mode: 0o755 });
      writeFileSync(join(stubs, 'getent'), `#!/bin/sh\ngrep -q "^$2:" ${dir}/passwd && grep "^$2:" ${dir}/passwd\n`, { mode: 0o755 });
      writeFileSync(join(stubs, 'cloud-init'), `#!/bin/sh\nrm -rf /var/lib/cloud/instance\n`, { mode: 0o755 });
      writeFileSync(join(stubs, 'sync'), '#!/bin/sh\n', { mode: 0o755 });
      writeFileSync(join(dir, 'passwd'), 'root:x:0:0::/root:/bin/sh\npacker:x:1000:1000::/home/packer:/bin/bash\n');
      const seal = sealScript('packer').map((l) => (l.startsWith('sync') ? `sync\n${plantAfterSeal}` : l));
      const script = [
        'set -eu',
        'for d in /etc/ssh /root /home /etc/sudoers.d /var/lib/cloud /var/lib/dbus /var/lib/kspray; do mkdir -p "$d"; mount -t tmpfs tmpfs "$d"; done',
        `mount --bind ${dir}/passwd /etc/passwd 2>/dev/null || true`,
        'printf "PasswordAuthentication yes\\n" > /etc/ssh/sshd_config; mkdir -p /etc/ssh/sshd_config.d',
        'touch /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub',
        'mkdir -p /home/packer/.ssh /root/.ssh; echo key > /home/packer/.ssh/authorized_keys; echo key > /root/.ssh/authorized_keys',
        'echo "packer ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/90-cloud-init-users',
        'mkdir -p /var/lib/cloud/instances/x; ln -s /var/lib/cloud/instances/x /var/lib/cloud/instance',
        'mount --bind "$(mktemp)" /etc/machine-id; echo 0123456789abcdef > /etc/machine-id',
        `export PATH=${stubs}:$PATH`,
        ...seal,
      ].join('\n');
      const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
      return r;
    };
    const clean = run('');
    expect(`${clean.status} ${clean.stderr}`).toBe('0 ');
    for (const [plant, named] of [
      ['mkdir -p /home/packer/.ssh; echo k > /home/packer/.ssh/authorized_keys', 'authorized_keys left'],
      ['echo "PasswordAuthentication yes" >> /etc/ssh/sshd_config', 'password SSH left on'],
      ['echo "packer ALL=(ALL) ALL" > /etc/sudoers.d/zz', 'sudoers entry for packer left'],
      ['touch /etc/ssh/ssh_host_rsa_key', 'SSH host keys left'],
      ['mkdir -p /var/lib/cloud/instance', "cloud-init's instance state left"],
    ] as const) {
      const r = run(plant);
      expect(r.status, plant).not.toBe(0);
      expect(r.stderr, plant).toContain(`kspray seal check: ${named}`);
    }
  });
});

/** Names a directory-wide Packer configuration must not declare twice (variables, locals, sources). */
function declarations(body: HclBody): string[] {
  return [
    ...blocks(body, 'variable').map((b) => `variable ${b.labels[0]}`),
    ...blocks(body, 'locals').flatMap((b) => Object.keys(b.body.attrs).map((k) => `local ${k}`)),
    ...blocks(body, 'source').map((b) => `source ${b.labels.join('.')}`),
  ];
}

describe('each per-distro packer directory is one valid Packer configuration', () => {
  const dirs = () => {
    const byDir = new Map<string, typeof templates>();
    for (const t of templates) {
      const key = `${t.scenario}:${t.file.relPath.split('/').slice(0, -1).join('/')}`;
      byDir.set(key, [...(byDir.get(key) ?? []), t]);
    }
    return byDir;
  };

  it('no variable, local or source is declared by two files of one directory', () => {
    const dupes: string[] = [];
    for (const [dir, ts] of dirs()) {
      const seen = new Map<string, string>();
      for (const t of ts) for (const d of declarations(t.body)) {
        if (seen.has(d)) dupes.push(`${dir}: ${d} in ${seen.get(d)} and ${t.builder}`);
        seen.set(d, t.builder);
      }
    }
    expect(dupes).toEqual([]);
    expect(dirs().size).toBeGreaterThan(10);
  });

  // Debian's packer 1.6.6 reads the whole directory as one configuration (it reports a duplicate
  // variable; duplicate locals only newer Packer reports, hence the check above).
  it.runIf(haveTool('packer'))('packer validate -syntax-only . passes on every directory (and fails on a duplicate variable)', () => {
    const work = mkdtempSync(join(tmpdir(), 'kspray-packer-dir-'));
    try {
      const check = (ts: typeof templates, extra?: string) => {
        rmSync(work, { recursive: true, force: true });
        mkdirSync(work);
        for (const t of ts) writeFileSync(join(work, `${t.builder}.pkr.hcl`), withoutPackerBlock(t.hcl));
        if (extra) writeFileSync(join(work, 'extra.pkr.hcl'), extra);
        return spawnSync(PACKER(), ['validate', '-syntax-only', '.'], { cwd: work, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
      };
      const failures: string[] = [];
      let checked = 0;
      for (const [dir, ts] of dirs()) {
        const r = check(ts);
        checked++;
        if (r.status !== 0) failures.push(`${dir}: ${r.stdout}${r.stderr}`);
      }
      expect(failures).toEqual([]);
      expect(checked).toBeGreaterThan(10);
      const first = [...dirs().values()][0]!;
      const dupe = check(first, 'variable "qemu_build_password" {\n  type = string\n}\n');
      expect(dupe.status).not.toBe(0);
      expect(`${dupe.stdout}${dupe.stderr}`).toContain('Duplicate variable');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('vsphere-clone: the build user comes from guestinfo user-data and leaves with the seal', () => {
  const vsphere = () => templates.find((t) => t.builder === 'vsphere-clone' && t.scenario === 'single')!;

  it('passes base64 user-data and metadata through configuration_parameters and logs in as the build user', () => {
    const src = blocks(vsphere().body, 'source')[0]!.body.attrs;
    const params = src.configuration_parameters as Record<string, unknown>;
    expect(Object.keys(params).sort()).toEqual(['guestinfo.metadata', 'guestinfo.metadata.encoding', 'guestinfo.userdata', 'guestinfo.userdata.encoding']);
    expect(params['guestinfo.userdata.encoding']).toBe('base64');
    expect(params['guestinfo.metadata.encoding']).toBe('base64');
    expect(src.ssh_username).toBe('packer');
    expect((src.ssh_password as HclExpr).text).toBe('local.vsphere_build_password');
    expect((params['guestinfo.userdata'] as HclExpr).text).toContain('plain_text_passwd = local.vsphere_build_password');
    expect(String(src.shutdown_command)).toContain('userdel --force --remove packer');
    // No login of the vendor template is assumed any more.
    expect(blocks(vsphere().body, 'variable').map((b) => b.labels[0])).not.toContain('ssh_password');
  });

  // Packer evaluates the guestinfo values itself (packer console), and cloud-init 22.4's own schema
  // check reads the decoded user-data.
  it.runIf(haveTool('packer'))('Packer evaluates them to a #cloud-config that creates the build user, and metadata with a new instance-id', (ctx) => {
    const work = mkdtempSync(join(tmpdir(), 'kspray-vsphere-'));
    try {
      writeFileSync(join(work, 'v.pkr.hcl'), withoutPackerBlock(vsphere().hcl));
      const params = blocks(vsphere().body, 'source')[0]!.body.attrs.configuration_parameters as Record<string, HclExpr>;
      const vars = ['vcenter_server', 'vsphere_username', 'vsphere_password', 'datacenter', 'cluster', 'datastore', 'template'].flatMap((v) => ['-var', `${v}=value-of-${v}`]);
      const evaluate = (e: string) => {
        const r = spawnSync(PACKER(), ['console', ...vars, 'v.pkr.hcl'], { cwd: work, input: `${e}\n`, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout.trim();
      };
      const userData = evaluate(`base64decode(${params['guestinfo.userdata']!.text})`);
      expect(userData.split('\n')[0]).toBe('#cloud-config');
      expect(userData).toMatch(/"name": "packer"/);
      expect(userData).toMatch(/"ssh_pwauth": true/);
      const metadata = JSON.parse(evaluate(`base64decode(${params['guestinfo.metadata']!.text})`));
      expect(metadata['instance-id']).toMatch(/^kspray-single-ubuntu-24-04-amd64-k8s-.*-\d{14}-build$/);
      expect(metadata['cleanup-guestinfo']).toEqual(['userdata']);
      const root = cloudInitRoot();
      if (!root) return ctx.skip();
      writeFileSync(join(work, 'user-data'), `${userData}\n`);
      const schema = cloudInitSchema(root, join(work, 'user-data'));
      expect(schema.ok, schema.output).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
