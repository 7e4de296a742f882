export interface DiffLine {
  /** ' ' unchanged, '-' only in the old text, '+' only in the new. */
  readonly op: ' ' | '-' | '+';
  readonly text: string;
  /** 1-based line numbers in the old and new text (absent on the side the line is not in). */
  readonly oldLine?: number;
  readonly newLine?: number;
}

const MAX_CELLS = 25_000_000;

/**
 * A line diff by longest common subsequence, for the editor's version history. Code is at most 512 KB, but
 * two large, wholly different versions would make the table huge: past MAX_CELLS it shows old-then-new.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  // Common head and tail are cheap to take off first and are most of a typical edit.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: ' ', text: a[i]!, oldLine: i + 1, newLine: i + 1 });
  out.push(...diffMiddle(midA, midB, head));
  for (let i = 0; i < tail; i++) {
    const oldIndex = a.length - tail + i;
    const newIndex = b.length - tail + i;
    out.push({ op: ' ', text: a[oldIndex]!, oldLine: oldIndex + 1, newLine: newIndex + 1 });
  }
  return out;
}

function diffMiddle(a: string[], b: string[], offset: number): DiffLine[] {
  const removed = (i: number): DiffLine => ({ op: '-', text: a[i]!, oldLine: offset + i + 1 });
  const added = (j: number): DiffLine => ({ op: '+', text: b[j]!, newLine: offset + j + 1 });
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS)
    return [...a.map((_, i) => removed(i)), ...b.map((_, j) => added(j))];
  // lengths[i][j] = LCS length of a[i..] and b[j..]
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]!, oldLine: offset + i + 1, newLine: offset + j + 1 });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      out.push(removed(i++));
    } else {
      out.push(added(j++));
    }
  }
  while (i < a.length) out.push(removed(i++));
  while (j < b.length) out.push(added(j++));
  return out;
}
