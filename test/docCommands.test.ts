// Every `kspray …` command line in the delivery docs is one the CLI accepts: full lines in code
// blocks are parsed by the CLI's own commander program (actions replaced by no-ops, so nothing
// runs), and inline `kspray …` mentions must name a real command and only its real flags.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { COMMAND_MODULES } from '../src/cli/commandTable.js';
import { repoRoot } from './helpers/fixtures.js';

const DOCS = ['docs/delivery.md'];

/** Shell words of a documented command line, up to the first operator or comment; placeholders made concrete. */
export function commandWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const raw = m[3];
    if (raw !== undefined && (/^(&&|\|\|?|;|>|>>|<)$/.test(raw) || raw.startsWith('#') || raw.startsWith('>'))) break;
    let w = m[1] ?? m[2] ?? raw!;
    if (raw !== undefined) {
      w = w.replace(/[[\]]/g, ''); // [--optional flags]
      if (w.includes('|')) w = w.split('|')[0]!; // a|b|c: one of the choices
      w = w.replace(/,(\.\.\.|…)$/, ''); // a,...: a list
      if (w === '' || w === '...' || w === '…') continue;
    }
    words.push(w);
  }
  return words;
}

/** Command lines in fenced code blocks (backslash continuations joined), and inline `kspray …` spans. */
export function documentedCommands(markdown: string): { lines: string[]; inline: string[] } {
  const lines: string[] = [];
  let fenced = false;
  let pending = '';
  for (const rawLine of markdown.split('\n')) {
    const line = rawLine.trim();
    if (line.startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (!fenced) continue;
    const joined = pending + line;
    if (joined.endsWith('\\')) {
      pending = `${joined.slice(0, -1)} `;
      continue;
    }
    pending = '';
    if (/^(\$ )?kspray\s/.test(joined)) lines.push(joined.replace(/^\$ /, ''));
  }
  const inline = [...markdown.replace(/```[\s\S]*?```/g, '').matchAll(/`(kspray\s[^`]*)`/g)].map((m) => m[1]!);
  return { lines, inline };
}

// Every command module, registered as main.ts's buildProgram does (main.ts itself runs the CLI when imported).
const modules = await Promise.all(COMMAND_MODULES.map((m) => m.load()));

/** The program with every action a no-op and its output captured. */
function parseOnlyProgram(): { program: Command; output: string[] } {
  const program = new Command('kspray').version('0.1.0');
  for (const m of modules) m.register(program);
  const output: string[] = [];
  const visit = (c: Command) => {
    c.configureOutput({ writeOut: (s) => output.push(s), writeErr: (s) => output.push(s) });
    c.exitOverride();
    if (c !== program) c.action(() => {});
    c.commands.forEach(visit);
  };
  visit(program);
  return { program, output };
}

async function parses(words: string[]): Promise<string | undefined> {
  const { program, output } = parseOnlyProgram();
  try {
    await program.parseAsync(words.slice(1), { from: 'user' });
    return undefined;
  } catch (e) {
    return `${(e as Error).message} ${output.join('')}`.trim();
  }
}

/** For an inline mention: the command it names, and any flag that command does not have. */
function inlineProblems(words: string[]): string[] {
  const { program } = parseOnlyProgram();
  let cmd = program;
  let i = 1;
  for (; i < words.length; i++) {
    const sub = cmd.commands.find((c) => c.name() === words[i]);
    if (!sub) break;
    cmd = sub;
  }
  if (cmd === program) return [`no such command: ${words.slice(0, 2).join(' ')}`];
  const known = new Set(cmd.options.flatMap((o) => [o.long, o.short]).filter(Boolean) as string[]);
  known.add('--help').add('-h');
  return words.slice(i).filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]!).filter((f) => !known.has(f)).map((f) => `${cmd.name()}: unknown flag ${f}`);
}

describe('documented kspray command lines parse with the CLI\'s own parser', () => {
  for (const doc of DOCS) {
    const { lines, inline } = documentedCommands(readFileSync(join(repoRoot, doc), 'utf8'));

    it(`${doc}: every command line in a code block`, async () => {
      expect(lines.length).toBeGreaterThan(8);
      const failures: string[] = [];
      for (const line of lines) {
        const problem = await parses(commandWords(line));
        if (problem) failures.push(`${line}\n  → ${problem}`);
      }
      expect(failures).toEqual([]);
    });

    it(`${doc}: every inline kspray mention names a real command and its real flags`, () => {
      expect(inline.length).toBeGreaterThan(10);
      expect(inline.flatMap((m) => inlineProblems(commandWords(m)).map((p) => `${m}: ${p}`))).toEqual([]);
    });
  }

  it('the check is real: a wrong flag, a missing required option and an unknown command fail', async () => {
    expect(await parses(commandWords('kspray pxe -f c.yaml --install-disks /dev/sda'))).toMatch(/unknown option '--install-disks'/);
    expect(await parses(commandWords('kspray render --provider aws'))).toMatch(/required option '-f, --file <path>'/);
    expect(await parses(commandWords('kspray deploy -f c.yaml'))).toMatch(/unknown command 'deploy'/);
    expect(await parses(commandWords('kspray aws apply -f c.yaml --subnet s [--dry-run] [--image ami-...|auto] > x'))).toBeUndefined();
    expect(inlineProblems(commandWords('kspray images --builders qemu'))).toEqual(['images: unknown flag --builders']);
    expect(inlineProblems(commandWords('kspray render --node N --provider P'))).toEqual([]);
  });
});
