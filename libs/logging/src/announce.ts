/**
 * Plain lines for the person who started the service (where the dashboard is, the first admin password),
 * written to standard output beside the JSON log so that they are read, not parsed.
 */
export function announce(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A block that stands out in a scrolling log: a rule above and below. */
export function announceBlock(lines: string[]): void {
  const width = Math.max(...lines.map((line) => line.length), 40);
  const rule = '='.repeat(Math.min(width, 100));
  announce(['', rule, ...lines, rule, '']);
}

let later: string[][] = [];

/**
 * A block to print with the start-up lines, once the service is up, so the operator finds it beside the
 * addresses instead of among the start-up log. Printed at the latest when the process stops.
 */
export function announceLater(lines: string[]): void {
  later.push(lines);
}

export function flushAnnouncements(): void {
  const blocks = later;
  later = [];
  for (const block of blocks) announceBlock(block);
}
