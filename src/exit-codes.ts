/**
 * Every exit status vlmbench uses, in one place. README.md's table lists each of them (a test
 * checks it), and CI scripts branch on them, so a number never changes meaning.
 */
export const EXIT = {
  /** Done: every command that finished what it was asked. */
  ok: 0,
  /** `compare` only: at least one regression. */
  regression: 1,
  /** A usage error in any command (unknown flag, bad value, missing argument), invalid input (results, manifest, fixtures, run id), or `compare` refusing runs that are not comparable. */
  usage: 2,
  /** `run`: no cell succeeded. */
  noCellSucceeded: 3,
  /** `run`: it finished, but some cells failed (a crash, a timeout, a bad image); `--allow-failures` makes this 0. */
  someCellsFailed: 4,
  /** `run`: the run's files could not be written (disk full, read-only or failing storage); the journal is kept for `--resume`. */
  storage: 5,
  /** A bug in vlmbench (an internal error); the message asks for VLMBENCH_DEBUG=1. */
  internal: 70,
  /** `run`: interrupted by SIGINT (Ctrl-C) or SIGTERM; results.json holds the cells measured so far, and the resume command is printed. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Errors that mean the storage refused a write: the run stops, keeping its journal for --resume. */
const STORAGE_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EFBIG']);

export function isStorageError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && STORAGE_ERRORS.has(code);
}
