// src/io/syncfs.ts on its own: which kernels get the barrier, and how `sync -f`'s answer is read (a
// fake `sync` stands in for a disk that fails; test/io/syscalls.test.ts runs the real one inside
// writeOutputs).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncFilesystems, syncfsReportsErrors } from '../../src/io/syncfs.js';
import { KsprayError } from '../../src/errors/errors.js';

describe('syncfsReportsErrors: Linux 5.8 and later only', () => {
  it.each([
    ['6.1.0-18-amd64', true],
    ['5.10.0', true], // a two-digit minor
    ['5.8.0', true],
    ['10.0.1', true],
    ['5.7.19', false],
    ['4.19.0-27-amd64', false],
    ['custom-6.1', false], // a release that does not start with the version: not guessed
    ['unknown', false],
  ])('%s → %s', (release, expected) => {
    expect(syncfsReportsErrors(release)).toBe(expected);
  });
});

describe('syncFilesystems reads sync -f', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kspray-syncfs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fakeSync = (body: string): string => {
    const bin = join(dir, 'sync');
    writeFileSync(bin, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return bin;
  };
  const outDirs = (...names: string[]) =>
    names.map((n) => {
      const d = join(dir, n);
      mkdirSync(d);
      return d;
    });

  it('runs nothing for no directory', () => {
    const bin = fakeSync(`: > "${join(dir, 'ran')}"`);
    expect(syncFilesystems([], bin)).toBe(false);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('asks for the message in English (LC_ALL=C): a writeback error in another language would pass for a sync that cannot run', () => {
    const [a] = outDirs('a');
    const bin = fakeSync(
      `if [ "$LC_ALL" = C ]; then echo "sync: error syncing '$3': Input/output error" >&2; else echo "sync: Fehler beim Synchronisieren von '$3': Ein-/Ausgabefehler" >&2; fi; exit 1`,
    );
    const failure = (() => {
      try {
        syncFilesystems([a!], bin);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(failure, String(failure)).toBeInstanceOf(KsprayError);
    expect((failure as Error).message).toContain(`cannot sync ${a}`);
  });

  it('names the directory whose filesystem failed, not the first one', () => {
    const [a, b] = outDirs('a', 'b');
    const bin = fakeSync(`[ "$1" = -f ] && [ "$2" = -- ] || exit 3; echo "sync: error syncing '$4': Input/output error" >&2; exit 1`);
    expect(() => syncFilesystems([a!, b!], bin)).toThrow(`cannot sync ${b}`);
  });

  it('returns true only when sync -f -- DIR… exits 0', () => {
    const [a] = outDirs('a');
    expect(syncFilesystems([a!], fakeSync(`[ "$1" = -f ] && [ "$2" = -- ] && [ "$3" = "${a}" ]`))).toBe(true);
    expect(syncFilesystems([a!], fakeSync('exit 1'))).toBe(false);
  });
});
