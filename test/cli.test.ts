// The CLI as users run it (the compiled dist/cli/main.js): exit codes, stdout/stderr discipline,
// nothing written on bad input, and a secrets bundle that is created once and never rewritten.
import { describe, expect, it } from 'vitest';
import { haveTool, tool } from './helpers/validators.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readTree } from '../src/io/files.js';
import { exampleFile, repoRoot } from './helpers/fixtures.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');

function kspray(args: string[], cwd = repoRoot) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'buffer' });
  return { code: r.status, stdout: r.stdout, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'kspray-cli-'));

describe('kspray CLI', () => {
  it('is built (npm run build) before these tests', () => {
    expect(existsSync(cli)).toBe(true);
  });

  it('init writes a starter that validates, and refuses to overwrite it', () => {
    const dir = tmp();
    chmodSync(dir, 0o750);
    expect(kspray(['init', '-f', 'cluster.yaml'], dir).code).toBe(0);
    expect(statSync(dir).mode & 0o777, 'the working directory keeps its mode').toBe(0o750);
    const v = kspray(['validate', '-f', 'cluster.yaml'], dir);
    expect(v.code, v.err).toBe(0);
    expect(v.out).toContain('valid');
    const again = kspray(['init', '-f', 'cluster.yaml'], dir);
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exists');
  });

  it('reports a typo at file:line:col with the source line, exit 2, no stack, nothing written', () => {
    const dir = tmp();
    const spec = readFileSync(exampleFile('single'), 'utf8').replace('    version: "1.36.4"', '    verison: "1.36.4"');
    writeFileSync(join(dir, 'cluster.yaml'), spec);
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'outputs'], dir);
    expect(r.code).toBe(2);
    const line = spec.split('\n').findIndex((l) => l.includes('verison')) + 1;
    expect(r.err).toContain(`cluster.yaml:${line}:5: error[unknown-key]`);
    expect(r.err).toContain('verison: "1.36.4"');
    expect(r.err).toContain('Did you mean "version"?');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.out).toBe('');
    expect(existsSync(join(dir, 'outputs'))).toBe(false);
  });

  it('renders everything, keeps the bundle byte-identical on a second render, and prints one node on stdout', () => {
    const dir = tmp();
    copyFileSync(exampleFile('single'), join(dir, 'cluster.yaml'));
    const first = kspray(['render', '-f', 'cluster.yaml', '--out', 'out'], dir);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toBe('');
    const secrets = join(dir, 'out', 'single', 'secrets');
    expect(statSync(secrets).mode & 0o777).toBe(0o700);
    expect(statSync(join(secrets, 'ca.key')).mode & 0o777).toBe(0o600);
    const bundleBefore = readTree(secrets)!;
    const payloadBefore = readFileSync(join(dir, 'out', 'single', 'nodes', 'cp-1', 'user-data'), 'utf8');

    const second = kspray(['render', '-f', 'cluster.yaml', '--out', 'out'], dir);
    expect(second.code, second.err).toBe(0);
    expect(readTree(secrets)).toEqual(bundleBefore);
    expect(readFileSync(join(dir, 'out', 'single', 'nodes', 'cp-1', 'user-data'), 'utf8')).toBe(payloadBefore);

    const one = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--node', 'cp-1'], dir);
    expect(one.code, one.err).toBe(0);
    expect(one.out).toBe(payloadBefore);
    const gz = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--node', 'cp-1', '--gzip', '--base64'], dir);
    expect(gunzipSync(Buffer.from(gz.out.trim(), 'base64')).toString('utf8')).toBe(payloadBefore);
    const raw = kspray(['render', '-f', 'cluster.yaml', '--out', 'out', '--node', 'worker-1', '--gzip'], dir);
    expect(gunzipSync(raw.stdout).toString('utf8').startsWith('#cloud-config\n')).toBe(true);
  });

  it('refuses a corrupt bundle with exit 2 naming the file, and never replaces it', () => {
    const dir = tmp();
    copyFileSync(exampleFile('single'), join(dir, 'cluster.yaml'));
    expect(kspray(['render', '-f', 'cluster.yaml', '--out', 'out'], dir).code).toBe(0);
    const caKey = join(dir, 'out', 'single', 'secrets', 'ca.key');
    const truncated = readFileSync(caKey, 'utf8').slice(0, 60);
    writeFileSync(caKey, truncated);
    const r = kspray(['render', '-f', 'cluster.yaml', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('ca.key');
    expect(readFileSync(caKey, 'utf8')).toBe(truncated);
  });

  it("refuses another cluster's bundle at metadata.name, exit 2, and adds nothing to it", () => {
    const dir = tmp();
    copyFileSync(exampleFile('single'), join(dir, 'cluster.yaml'));
    expect(kspray(['render', '-f', 'cluster.yaml', '--out', 'out'], dir).code).toBe(0);
    const other = readFileSync(exampleFile('single'), 'utf8').replace('name: single', 'name: other');
    writeFileSync(join(dir, 'other.yaml'), other);
    cpSync(join(dir, 'out', 'single', 'secrets'), join(dir, 'out', 'other', 'secrets'), { recursive: true });
    const before = readTree(join(dir, 'out', 'other', 'secrets'));
    const r = kspray(['render', '-f', 'other.yaml', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    const line = other.split('\n').findIndex((l) => l.includes('name: other')) + 1;
    expect(r.err).toContain(`other.yaml:${line}:9: error[bundle-matches-cluster]`);
    expect(readTree(join(dir, 'out', 'other', 'secrets'))).toEqual(before);
    expect(existsSync(join(dir, 'out', 'other', 'nodes'))).toBe(false);
  });

  it('refuses an unknown --node with the list of names', () => {
    const r = kspray(['render', '-f', exampleFile('single'), '--out', join(tmp(), 'o'), '--node', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cp-1, worker-1, worker-2');
  });

  it.runIf(haveTool('kubectl'))('writes an admin.conf kubectl accepts', () => {
    const dir = tmp();
    expect(kspray(['render', '-f', exampleFile('single'), '--out', dir]).code).toBe(0);
    const admin = join(dir, 'single', 'admin.conf');
    const view = spawnSync(tool('kubectl'), ['config', 'view', '--kubeconfig', admin, '--raw', '-o', 'jsonpath={.clusters[0].cluster.server} {.users[0].name}'], { encoding: 'utf8' });
    expect(view.status, view.stderr).toBe(0);
    expect(view.stdout).toBe('https://10.0.0.11:6443 kubernetes-admin');
  });

  it('prints the JSON schema and the catalog versions', () => {
    expect(JSON.parse(kspray(['schema']).out).title).toContain('kspray');
    expect(kspray(['versions']).out.split('\n')).toContain('1.36.4');
  });
});
