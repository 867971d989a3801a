// The node program's download step (get/download in node/kspray-node.sh) against real servers on
// 127.0.0.1 with the real curl: one that accepts and never answers, one that stalls mid-body, one
// that answers 404, one that sends a wrong body, and one that is slow but keeps moving. Each failing
// try ends within its limit, the status line and log name the URL and curl's reason (or the HTTP
// status, or the sha256 mismatch), and the slow one succeeds. `download` is the contract other
// steps reuse (addons, a secrets fetch): it is called here on its own, from the program's functions.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_PROGRAM, installStubs, sha256, stubPath, stubScript, trackedTempDirs } from '../helpers/nodeHarness.js';

const BODY = Buffer.alloc(12 * 1024, 'k');
const LIMITS = { KSPRAY_CONNECT: '2', KSPRAY_STALL: '2', KSPRAY_MAX_TIME: '20' };
const TRIES = 6;
const tempDir = trackedTempDirs();

let base = '';
let silentBase = '';
const sockets = new Set<Socket>();
let http: HttpServer;
let silent: Server;

beforeAll(async () => {
  // Accepts the connection, reads the request, never answers.
  silent = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  http = createHttpServer((req, res) => {
    res.on('error', () => {});
    if (req.url!.startsWith('/missing/')) return void res.writeHead(404).end('not here\n');
    if (req.url!.startsWith('/wrong/')) return void res.writeHead(200, { 'content-length': 5 }).end('evil\n');
    if (req.url!.startsWith('/stall/')) {
      // 512 bytes of the body, then nothing: a proxy that lost its upstream. (curl averages speed
      // over its last ~5 s, so after a larger burst the cut comes up to ~6 s after the stall limit.)
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 512));
      return;
    }
    if (req.url!.startsWith('/slow/')) {
      // 2 KiB every 400 ms (5 KiB/s, above the 1 KiB/s floor): 2.4 s in all, past the 2 s stall window.
      res.writeHead(200, { 'content-length': BODY.length });
      let sent = 0;
      const tick = setInterval(() => {
        res.write(BODY.subarray(sent, sent + 2048));
        sent += 2048;
        if (sent >= BODY.length) {
          clearInterval(tick);
          res.end();
        }
      }, 400);
      return;
    }
    res.writeHead(500).end();
  });
  http.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (server: Server | HttpServer) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  base = `http://127.0.0.1:${await listen(http)}`;
  silentBase = `http://127.0.0.1:${await listen(silent)}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => silent.close(r))]);
});

interface Run {
  code: number | null;
  stdout: string;
  seconds: number;
  status: string;
  dest: string;
  dir: string;
}

/** `download URL SHA DEST 644` with the program's own functions, real curl, and `sleep` stubbed (no backoff wait). */
async function download(url: string, sha = sha256(BODY)): Promise<Run> {
  const dir = tempDir('kspray-download-');
  const stubs = join(dir, 'bin');
  installStubs(stubs, ['sleep'], stubScript());
  const dest = join(dir, 'root', 'var/cache/kspray/kubeadm');
  const script = `source <(sed '$d' "$1"); shift; download "$@"`;
  const started = process.hrtime.bigint();
  const child = spawn('bash', ['-c', script, 'bash', NODE_PROGRAM, url, sha, dest, '644'], {
    env: { PATH: stubPath(stubs), KSPRAY_ROOT: join(dir, 'root'), CALLS: join(dir, 'calls.log'), ...LIMITS },
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stdout += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const statusFile = join(dir, 'root/var/lib/kspray/status');
  return { code, stdout, seconds, status: existsSync(statusFile) ? readFileSync(statusFile, 'utf8') : '', dest, dir };
}

/** Every try failed for `reason`; the last status line gives up naming the URL and the reason. */
function expectGaveUp(r: Run, url: string, reason: RegExp) {
  expect(r.code).toBe(1);
  for (let n = 1; n < TRIES; n++) {
    const line = r.stdout.split('\n').find((l) => l.includes(`download ${url}: try ${n}/${TRIES} failed (`));
    expect(line, `try ${n} logged with its reason:\n${r.stdout}`).toBeDefined();
    expect(line!.slice(line!.indexOf('failed ('))).toMatch(reason);
  }
  expect(r.status).toMatch(new RegExp(`^phase=start state=failed at=\\S+ msg=download ${url.replace(/[.?]/g, '\\$&')}: gave up after ${TRIES} tries: `));
  expect(r.status.slice(r.status.indexOf('gave up'))).toMatch(reason);
  // Nothing under the final name, and no partial temp left beside it.
  expect(existsSync(r.dest)).toBe(false);
  const cache = join(r.dest, '..');
  expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
}

describe('node program download (real curl, servers on 127.0.0.1)', () => {
  it('a server that accepts and never answers: each try is cut at the stall limit, then the phase fails', async () => {
    const url = `${silentBase}/never/kubeadm`;
    const r = await download(url);
    expectGaveUp(r, url, /\(28\) Operation too slow\. Less than 1024 bytes\/sec transferred the last 2 seconds/);
    // Six tries of ~2 s each (the stall limit), not a hang; generous slack for a loaded machine.
    expect(r.seconds).toBeGreaterThan(TRIES * 2 - 1);
    expect(r.seconds).toBeLessThan(TRIES * (2 + 2));
  }, 60_000);

  it('a server that stops sending mid-body: cut at the stall limit, the partial body never kept', async () => {
    const url = `${base}/stall/kubeadm`;
    const r = await download(url);
    expectGaveUp(r, url, /\(28\) Operation too slow/);
    expect(r.seconds).toBeLessThan(TRIES * (2 + 2));
  }, 60_000);

  it('404: each try fails at once with the HTTP status', async () => {
    const url = `${base}/missing/kubeadm`;
    const r = await download(url);
    expectGaveUp(r, url, /\(22\) The requested URL returned error: 404/);
    expect(r.seconds).toBeLessThan(10);
  }, 60_000);

  it('a wrong body: each try fails its sha256 check, naming what arrived', async () => {
    const url = `${base}/wrong/kubeadm`;
    const r = await download(url);
    expectGaveUp(r, url, new RegExp(`sha256 mismatch, refused: kubeadm \\(got ${sha256('evil\n').slice(0, 16)}\\.\\.\\.\\)`));
  }, 60_000);

  it('nothing listening: curl says it could not connect', async () => {
    const url = 'http://127.0.0.1:1/refused/kubeadm';
    const r = await download(url);
    expectGaveUp(r, url, /\(7\) Failed to connect to 127\.0\.0\.1 port 1/);
  }, 60_000);

  it('a slow download that keeps moving is not cut by the stall limit', async () => {
    const r = await download(`${base}/slow/kubeadm`);
    expect(r.code, r.stdout).toBe(0);
    expect(r.seconds).toBeGreaterThan(2); // longer than the stall window: only a stall is cut
    expect(readFileSync(r.dest)).toEqual(BODY);
    expect(r.stdout).not.toContain('failed');
  }, 60_000);
});

describe('node program package installs', () => {
  it("a failing apt-get install: the status line names the packages and apt's own error line", async () => {
    const dir = tempDir('kspray-pkg-');
    const stubs = join(dir, 'bin');
    installStubs(stubs, ['sleep'], stubScript());
    installStubs(stubs, ['apt-get'], stubScript({ arms: `  apt-get) if [[ $* == *install* ]]; then echo 'Reading package lists...'; echo 'E: Unable to locate package ebtablez' >&2; exit 100; fi ;;` }));
    const script = `source <(sed '$d' "$1"); mkdir -p "$STATE"; install_packages`;
    const child = spawn('bash', ['-c', script, 'bash', NODE_PROGRAM], {
      env: { PATH: stubPath(stubs), KSPRAY_ROOT: join(dir, 'root'), CALLS: join(dir, 'calls.log'), KSPRAY_PACKAGE_MANAGER: 'apt', KSPRAY_PACKAGES: 'conntrack ebtablez' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stdout).toContain('apt-get install conntrack ebtablez: try 1/8 failed (E: Unable to locate package ebtablez), next in 2s');
    expect(readFileSync(join(dir, 'root/var/lib/kspray/status'), 'utf8')).toMatch(
      /^phase=start state=failed at=\S+ msg=apt-get install conntrack ebtablez: gave up after 8 tries: E: Unable to locate package ebtablez\n$/,
    );
    // apt's output still reaches the journal.
    expect(stdout).toContain('Reading package lists...');
  }, 30_000);
});
