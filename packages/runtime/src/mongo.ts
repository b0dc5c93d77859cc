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

/** MongoDB's (and FerretDB's) error code for an insert whose `_id` or unique key is already stored. */
export const DUPLICATE_KEY = 11000;

interface WriteErrorLike {
  code?: number;
  index?: number;
}

/**
 * The documents of a failed insert of `count` that were already stored (their indexes), when that is all that went
 * wrong; undefined when the insert failed for any other reason, and the caller throws. The driver reports
 * duplicates of an insertMany as write errors, and a single insert's as the error itself.
 */
export function alreadyStored(error: unknown, count: number): Set<number> | undefined {
  const e = error as { code?: number; writeErrors?: WriteErrorLike | WriteErrorLike[]; writeConcernError?: unknown } | null;
  if (!e || typeof e !== 'object' || e.writeConcernError) return undefined;
  const writeErrors = e.writeErrors === undefined ? [] : Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
  if (writeErrors.length > 0) {
    return writeErrors.every((w) => w.code === DUPLICATE_KEY) ? new Set(writeErrors.map((w) => w.index ?? 0)) : undefined;
  }
  return e.code === DUPLICATE_KEY && count === 1 ? new Set([0]) : undefined;
}

/** Resolves when the database answers a ping within `timeoutMs`; rejects naming the wait otherwise. */
export async function pingWithin(db: { command(command: { ping: 1 }): Promise<unknown> }, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to ping within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([db.command({ ping: 1 }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
