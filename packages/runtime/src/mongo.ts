/**
 * Most write statements sent in one command (a bulkWrite of updates, say). FerretDB 1.24 on SQLite never answers an
 * update command of 100 statements or more and keeps that database locked from then on; 50 stays clear of it and
 * costs nothing on MongoDB, where the driver would split at 100,000 anyway.
 */
export const MAX_WRITE_STATEMENTS = 50;

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number = MAX_WRITE_STATEMENTS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
