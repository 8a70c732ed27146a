import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

/** The data directory: owner only. */
export const DATA_DIR_MODE = 0o700
/** `bridge.db`, `-wal`, `-shm`: owner read/write only (they hold tokens and message text). */
export const DATA_FILE_MODE = 0o600

/**
 * Creates the directory (0700) and an empty database file (0600) when missing, before SQLite
 * opens it: SQLite then gives the `-wal` and `-shm` files the database file's mode. Existing
 * files keep their mode (an operator may have chosen one); `widerModes` reports them.
 */
export function createPrivateDataFiles(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: DATA_DIR_MODE })
  if (!existsSync(path)) closeSync(openSync(path, 'a', DATA_FILE_MODE))
}

/** A file or directory that others than its owner may read or enter, with its mode (e.g. `0644`). */
export interface WideMode {
  path: string
  mode: string
  wanted: string
}

/** The data directory and `bridge.db*` files whose mode grants anything to group or others. */
export function widerModes(path: string): WideMode[] {
  const found: WideMode[] = []
  const check = (target: string, wanted: number) => {
    let mode: number
    try {
      mode = statSync(target).mode & 0o777
    } catch {
      return
    }
    if ((mode & 0o077) !== 0) {
      found.push({ path: target, mode: octal(mode), wanted: octal(wanted) })
    }
  }
  check(dirname(path), DATA_DIR_MODE)
  for (const suffix of ['', '-wal', '-shm']) check(`${path}${suffix}`, DATA_FILE_MODE)
  return found
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`
}
