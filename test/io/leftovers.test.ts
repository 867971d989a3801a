// What a killed or failed run leaves, and what the next run does with it: temps of dead writers are
// removed (a live writer's are not), a failed write removes its own temp, and a secrets directory
// that an older release's interrupted first render left half-written is set aside (never deleted)
// and replaced by a new bundle, while a damaged bundle that outputs were rendered from stays
// "corrupt, restore from backup".
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOutputs, readTree } from '../../src/io/files.js';
import { isTempName, removeStaleTemps } from '../../src/io/tempFiles.js';
import { bundleState } from '../../src/secrets/bundleState.js';
import { CORE_FILES } from '../../src/secrets/bundleFiles.js';
import { runCli } from '../helpers/runCli.js';
import { exampleFile } from '../helpers/fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'kspray-leftovers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A pid that is not running (the highest pid a Linux kernel hands out, plus one). */
const DEAD_PID = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;

describe('temp files', () => {
  it('names carry the writer pid; older pid-less temps are recognised too', () => {
    expect(isTempName(`user-data.tmp-${process.pid}-0123abcd`)).toBe(true);
    expect(isTempName('user-data.tmp-0123456789ab')).toBe(true);
    expect(isTempName('user-data')).toBe(false);
    expect(isTempName('my.tmp-notes')).toBe(false);
  });

  it("the next run removes a dead writer's temps (files and bundle temp directories), keeps a live writer's and every real file", () => {
    const dir = join(work, 'stale');
    mkdirSync(join(dir, 'nodes', 'cp-1'), { recursive: true });
    const dead = [`admin.conf.tmp-${DEAD_PID}-0123abcd`, 'nodes/cp-1/user-data.tmp-0123456789ab', `secrets.tmp-${DEAD_PID}-feedbeef/ca.key`];
    const live = `pki.tmp-${process.pid}-0badcafe`;
    for (const f of [...dead, live, 'nodes/cp-1/user-data', 'notes.tmp-keep']) {
      mkdirSync(join(dir, f, '..'), { recursive: true });
      writeFileSync(join(dir, f), 'x');
    }
    writeOutputs(dir, [{ relPath: 'admin.conf', content: 'new\n', mode: 0o600 }]);
    const left = readTree(dir)!;
    expect([...left.keys()].sort()).toEqual(['admin.conf', 'nodes/cp-1/user-data', 'notes.tmp-keep']);
    expect(existsSync(join(dir, live)), "a live writer's temp is left alone").toBe(true);
    expect(existsSync(join(dir, `secrets.tmp-${DEAD_PID}-feedbeef`))).toBe(false);
    expect(removeStaleTemps(dir)).toBe(0);
  });

  it('a write that fails removes its temp and leaves the target as it was', () => {
    const dir = join(work, 'failing');
    mkdirSync(join(dir, 'nodes'), { recursive: true });
    writeFileSync(join(dir, 'admin.conf'), 'old\n');
    // The second file cannot be created: its parent is a regular file.
    writeFileSync(join(dir, 'nodes', 'cp-1'), 'in the way');
    expect(() =>
      writeOutputs(dir, [
        { relPath: 'admin.conf', content: 'new\n', mode: 0o600 },
        { relPath: 'nodes/cp-1/user-data', content: 'payload', mode: 0o600 },
      ]),
    ).toThrow(/cannot create directory \S+nodes\/cp-1: .*\((EEXIST|ENOTDIR)\)/);
    expect(readFileSync(join(dir, 'admin.conf'), 'utf8')).toBe('old\n');
    expect(readdirSync(dir).sort()).toEqual(['admin.conf', 'nodes']);
  });
});

describe('secrets directory left by an interrupted first render of an older release', () => {
  const files = (names: readonly string[]) => new Map(names.map((n) => [n, 'x']));

  it.each([1, 3, CORE_FILES.length - 1])('the first %i core files and nothing rendered from them: incomplete', (n) => {
    expect(bundleState(files(CORE_FILES.slice(0, n)), false)).toBe('incomplete');
  });

  it('a complete core, files out of creation order, or outputs rendered from it: present (loaded, and reported corrupt if damaged)', () => {
    expect(bundleState(files(CORE_FILES), false)).toBe('present');
    expect(bundleState(files([CORE_FILES[0]!, CORE_FILES[2]!]), false)).toBe('present');
    expect(bundleState(files(CORE_FILES.slice(0, 3)), true)).toBe('present');
    expect(bundleState(files(['bundle.json', 'renewals/x.json']), false)).toBe('present');
    expect(bundleState(new Map(), false)).toBe('absent');
    expect(bundleState(undefined, false)).toBe('absent');
  });

  it('render sets the leftover aside (kept, not deleted) and creates a complete bundle; with outputs beside it, it is corrupt instead', async () => {
    const spec = exampleFile('single');
    const fresh = join(work, 'legacy');
    const first = await runCli(['render', '-f', spec, '-o', fresh], work);
    expect(first.status, first.stderr).toBe(0);
    const cluster = join(fresh, readdirSync(fresh)[0]!);
    const secrets = join(cluster, 'secrets');
    const complete = readTree(secrets)!;

    // Another directory holding what a killed older release left: the first three core files.
    const out = join(work, 'legacy-partial');
    const partial = join(out, readdirSync(fresh)[0]!, 'secrets');
    mkdirSync(partial, { recursive: true });
    for (const f of CORE_FILES.slice(0, 3)) cpSync(join(secrets, f), join(partial, f));
    const r = await runCli(['render', '-f', spec, '-o', out], work);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/held an incomplete secrets bundle left by an interrupted first render .*moved it to \S+secrets\.incomplete-[0-9a-f]{8} and created a new bundle/);
    expect(r.stderr).not.toContain('corrupt');
    const aside = readdirSync(join(partial, '..')).find((n) => n.startsWith('secrets.incomplete-'))!;
    expect([...readTree(join(partial, '..', aside))!.keys()].sort()).toEqual(CORE_FILES.slice(0, 3).slice().sort());
    expect([...readTree(partial)!.keys()].sort()).toEqual([...complete.keys()].sort());

    // The same three files beside outputs rendered from the bundle: never taken for a leftover.
    rmSync(partial, { recursive: true });
    mkdirSync(partial);
    for (const f of CORE_FILES.slice(0, 3)) cpSync(join(secrets, f), join(partial, f));
    const damaged = await runCli(['render', '-f', spec, '-o', out], work);
    expect(damaged.status).toBe(2);
    expect(damaged.stderr).toMatch(/secrets bundle file \S+ is corrupt: the file is missing/);
    expect([...readTree(partial)!.keys()].sort()).toEqual(CORE_FILES.slice(0, 3).slice().sort());
  }, 120_000);
});
