// One qemu VM of the VM test: direct kernel boot of the cached image (a private copy of its disk),
// a NoCloud seed ISO, user networking with restrict=on whose only way out is a guestfwd to the
// test's mirror on 127.0.0.1, the console on ttyS0 (a log file) and the probe on ttyS1 (stdio).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { VmImage } from './image.js';

const RELAY = new URL('./relay.mjs', import.meta.url).pathname;
/** Where the guest finds the mirror (spec.artifacts.mirror of the test's cluster). */
export const GUEST_MIRROR = 'http://10.0.2.100:8080';

export interface ProbeEvent {
  /** 0 for the first boot, 1 after the first reboot, … */
  boot: number;
  /** Guest uptime in seconds when the probe saw it. */
  uptime: number;
  kind: 'boot' | 'unit' | 'status' | 'cloud-init-result' | 'result';
  text: string;
}

export interface Accel {
  name: 'kvm' | 'tcg';
  args: string[];
}

let accel: Accel | undefined;

/**
 * KVM where it works, else TCG. On these CI machines (themselves VMs) /dev/kvm exists but nested
 * KVM does not work: `-cpu host` aborts on an MSR and other models hang at "Probing EDD". So try a
 * kernel with no root disk under KVM: it must reach its "VFS" panic quickly (panic=-1, -no-reboot).
 */
export function detectAccel(kernel: string): Accel {
  if (accel) return accel;
  const tcg: Accel = { name: 'tcg', args: ['-machine', 'pc,accel=tcg', '-cpu', 'max'] };
  const forced = process.env.KSPRAY_VM_ACCEL;
  if (forced === 'tcg') return (accel = tcg);
  let kvmWorks = false;
  try {
    if (existsSync('/dev/kvm')) {
      const r = spawnSync(
        'qemu-system-x86_64',
        ['-machine', 'pc,accel=kvm', '-cpu', 'host', '-m', '256', '-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'stdio', '-kernel', kernel, '-append', 'console=ttyS0 panic=-1'],
        { encoding: 'utf8', timeout: 20_000 },
      );
      kvmWorks = /VFS:|Kernel panic/.test(r.stdout ?? '');
    }
  } catch {
    kvmWorks = false;
  }
  return (accel = kvmWorks ? { name: 'kvm', args: ['-machine', 'pc,accel=kvm', '-cpu', 'host'] } : tcg);
}

export interface VmOptions {
  name: string;
  image: VmImage;
  workDir: string;
  seedIso: string;
  mirrorPort: number;
  log: (line: string) => void;
}

export class Vm {
  readonly events: ProbeEvent[] = [];
  readonly disk: string;
  readonly consoleLog: string;
  readonly exited: Promise<number | null>;
  private child: ChildProcess;
  private boot = -1;
  private waiters: Array<() => void> = [];
  private nextId = 1;

  constructor(readonly opts: VmOptions) {
    this.disk = join(opts.workDir, `${opts.name}.img`);
    this.consoleLog = join(opts.workDir, `${opts.name}.console.log`);
    // A private copy: the cached image stays pristine (cp keeps it sparse).
    const cp = spawnSync('cp', ['--sparse=always', '--reflink=auto', opts.image.rootfs, this.disk]);
    if (cp.status !== 0) copyFileSync(opts.image.rootfs, this.disk);
    const a = detectAccel(opts.image.kernel);
    const relay = `${process.execPath} ${RELAY} ${opts.mirrorPort}`;
    if (relay.includes(',')) throw new Error(`qemu option values cannot hold a comma: ${relay}`);
    const args = [
      ...a.args,
      '-m', '1024', '-smp', '1', '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none',
      '-kernel', opts.image.kernel, '-initrd', opts.image.initrd,
      '-append', 'root=/dev/vda rw console=ttyS0,115200 panic=-1',
      '-drive', `file=${this.disk},format=raw,if=virtio,cache=unsafe`,
      '-drive', `file=${opts.seedIso},format=raw,if=ide,media=cdrom,readonly=on`,
      '-netdev', `user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:8080-cmd:${relay}`,
      // PCI slot 3, so the guest names it ens3 (kspray pxe --interface ens3: Debian needs a literal name).
      '-device', 'virtio-net-pci,netdev=n0,addr=0x3',
      '-serial', `file:${this.consoleLog}`,
      '-chardev', 'stdio,id=probe,signal=off',
      '-serial', 'chardev:probe',
    ];
    opts.log(`${opts.name}: qemu (${a.name}) ${args.join(' ')}`);
    this.child = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code) => {
        if (stderr.trim()) opts.log(`${opts.name}: qemu stderr: ${stderr.trim()}`);
        resolve(code);
        this.wake();
      }),
    );
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
  }

  private onLine(raw: string): void {
    const m = /KSPRAYVM (\S+) (\S+) ?(.*)$/.exec(raw.replace(/\r$/, ''));
    if (!m) return;
    const kind = m[2] as ProbeEvent['kind'];
    if (kind === 'boot') this.boot++;
    const e: ProbeEvent = { boot: this.boot, uptime: Number(m[1]), kind, text: m[3] ?? '' };
    this.events.push(e);
    if (kind !== 'result') this.opts.log(`${this.opts.name}: [boot ${e.boot} +${e.uptime.toFixed(1)}s] ${kind} ${e.text}`);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  /** The first event (from index `from` on) that matches, waiting up to timeoutMs. */
  async waitFor(what: string, match: (e: ProbeEvent) => boolean, timeoutMs: number, from = 0): Promise<ProbeEvent> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const e = this.events.slice(from).find(match);
      if (e) return e;
      if (exited) throw new Error(`${this.opts.name}: qemu exited while waiting for ${what}\n${this.consoleTail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.opts.name}: no ${what} within ${timeoutMs / 1000}s\n${this.consoleTail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 5000));
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Runs a bash script in the guest (as root, through the probe); its exit code and output. */
  async run(script: string, timeoutMs = 120_000): Promise<{ rc: number; out: string }> {
    const id = String(this.nextId++);
    const from = this.events.length;
    this.child.stdin!.write(`run ${id} ${Buffer.from(script).toString('base64')}\n`);
    const e = await this.waitFor(`the result of: ${script.slice(0, 60)}`, (x) => x.kind === 'result' && x.text.startsWith(`${id} `), timeoutMs, from);
    const [, rc, out = ''] = e.text.split(' ');
    return { rc: Number(rc), out: Buffer.from(out, 'base64').toString('utf8') };
  }

  /** A clean reboot; resolves at the probe's first event of the next boot. */
  async reboot(timeoutMs: number): Promise<ProbeEvent> {
    const next = this.boot + 1;
    await this.run('systemctl --no-block reboot');
    return this.waitFor(`boot ${next}`, (e) => e.kind === 'boot' && e.boot === next, timeoutMs);
  }

  /** A clean power-off (the disk is then consistent for debugfs); kills qemu if it does not stop. */
  async powerOff(timeoutMs: number): Promise<void> {
    await this.run('systemctl --no-block poweroff').catch(() => undefined);
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    if (code !== 0) throw new Error(`${this.opts.name}: qemu did not power off cleanly within ${timeoutMs / 1000}s (exit ${code})\n${this.consoleTail()}`);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  consoleTail(lines = 40): string {
    try {
      return readFileSync(this.consoleLog, 'utf8').split('\n').slice(-lines).map((l) => `  console| ${l}`).join('\n');
    } catch {
      return '';
    }
  }
}
