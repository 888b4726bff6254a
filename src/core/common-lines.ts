// How many leading and trailing lines two texts share: both the fixer and the diff keep those as they are.

export function commonEnds(
  a: readonly string[],
  b: readonly string[],
): { head: number; tail: number } {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  return { head, tail };
}
