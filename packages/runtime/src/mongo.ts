/**
 * Most write statements sent in one command (a bulkWrite of updates, say). FerretDB 1.24 on SQLite keeps every
 * statement's read open until the command ends, so a statement costs more the later it comes: 0.28 ms each in
 * commands of 20, 0.6 ms in commands of 50, and a command of 100 or more never answers and keeps that database
 * locked. 20 costs nothing on MongoDB, where the driver would split at 100,000 anyway.
 */
export const MAX_WRITE_STATEMENTS = 20;

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number = MAX_WRITE_STATEMENTS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
