// A short line diff for reviewing one changed text file (kubeadm config, unit, node.env): the
// changed lines with their new line numbers, longest-common-subsequence based, capped so a
// rewritten file prints a few lines and a count, not pages.
export interface LineChange {
  op: '+' | '-';
  /** Line number in the old file for '-', in the new file for '+'. */
  line: number;
  text: string;
}

const MAX_CELLS = 4_000_000;

export function lineDiff(before: string, after: string, max = 20): { changes: LineChange[]; more: number } {
  const a = before.split('\n');
  const b = after.split('\n');
  // Trim the common head and tail first: most edits touch a few lines of a long file.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const A = a.slice(head, a.length - tail);
  const B = b.slice(head, b.length - tail);
  const all: LineChange[] = [];
  if (A.length * B.length > MAX_CELLS) {
    A.forEach((text, i) => all.push({ op: '-', line: head + i + 1, text }));
    B.forEach((text, i) => all.push({ op: '+', line: head + i + 1, text }));
  } else {
    // lcs[i][j]: length of the LCS of A[i..] and B[j..]
    const lcs = Array.from({ length: A.length + 1 }, () => new Uint32Array(B.length + 1));
    for (let i = A.length - 1; i >= 0; i--) for (let j = B.length - 1; j >= 0; j--) lcs[i]![j] = A[i] === B[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < A.length || j < B.length) {
      if (i < A.length && j < B.length && A[i] === B[j]) {
        i++;
        j++;
      } else if (j < B.length && (i === A.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
        all.push({ op: '+', line: head + j + 1, text: B[j]! });
        j++;
      } else {
        all.push({ op: '-', line: head + i + 1, text: A[i]! });
        i++;
      }
    }
  }
  return { changes: all.slice(0, max), more: Math.max(0, all.length - max) };
}
