// The systemd units and drop-ins of the matrix scenarios of issue 20 (Rocky/AlmaLinux/RHEL 10,
// Fedora 43, Ubuntu 26.04, openEuler 24.03) through `systemd-analyze verify`, as each node's payload
// writes them. The binaries are not installed here, so every ExecStart* command is swapped for
// /bin/true (an empty `ExecStart=` reset stays); a unit systemd rejects fails the test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExample, renderFixture } from '../helpers/fixtures.js';
import { haveTool, tool } from '../helpers/validators.js';

const SCENARIOS = ['rocky10-crio-cilium', 'el10-containerd-flannel', 'fedora43-crio-kube-router', 'ubuntu2604-containerd-cilium', 'openeuler-containerd-flannel'];
const UNIT_DIR = '/etc/systemd/system/';

/** Every ExecStart/ExecStartPre/... command line becomes /bin/true; resets (`ExecStart=`) stay. */
const withoutBinaries = (unit: string) => unit.replace(/^(Exec(?:Start|StartPre|StartPost|Stop|StopPost|Reload)=)[-@:+!]*\/\S+.*$/gm, '$1/bin/true');

function verify(files: Map<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'kspray-distro-units-'));
  try {
    for (const [path, text] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), withoutBinaries(text));
    }
    const units = [...files.keys()].filter((p) => !p.includes('/'));
    const r = spawnSync(tool('systemd-analyze'), ['verify', ...units.map((u) => join(dir, u))], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.trim() + (r.status === 0 ? '' : `\nexit ${r.status}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(haveTool('systemd-analyze'))('systemd units of the new distributions pass systemd-analyze verify', () => {
  it.each(SCENARIOS)('%s: every node\'s units and drop-ins', async (scenario) => {
    const r = await renderFixture(loadExample(scenario));
    for (const plan of r.plans) {
      const units = new Map<string, string>();
      for (const [path, f] of plan.files) if (path.startsWith(UNIT_DIR) && typeof f.content === 'string') units.set(path.slice(UNIT_DIR.length), f.content);
      expect([...units.keys()], plan.node.name).toEqual(expect.arrayContaining(['kspray-bootstrap.service', 'kubelet.service', 'kubelet.service.d/10-kubeadm.conf']));
      expect(verify(units), `${scenario} ${plan.node.name}`).toBe('');
    }
  }, 60_000);

  it('fails on a unit systemd rejects (the check is real)', () => {
    expect(verify(new Map([['broken.service', '[Service]\nExecStart=/bin/true\nRestart=sometimes\n']]))).toMatch(/Restart|broken/);
  });
});
