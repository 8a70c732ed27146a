import { closeSync, fdatasync, openSync, statSync } from 'node:fs'

export interface WalSync {
  /** fdatasync of the WAL (everything committed before the call), on libuv's thread pool. */
  sync(): Promise<void>
  close(): void
}

/**
 * What `synchronous=FULL` does at each commit in WAL mode (fdatasync of the `-wal` file; SQLite's
 * unix VFS does no sector padding on Linux's powersafe-overwrite default), done off the event loop
 * so a commit no longer stops the process for the length of an fsync. The connection itself runs
 * with `synchronous=NORMAL`, which keeps the WAL and database consistent on power loss (the WAL
 * header is synced when the WAL is reused, the database around checkpoints); this sync makes each
 * commit durable before its caller is answered. After one failed fsync the page cache may have
 * dropped the writes it could not store, so every later sync fails too: the store is unusable
 * until the process restarts (what PostgreSQL does, for the same reason).
 */
export function walSync(databasePath: string): WalSync {
  const walPath = `${databasePath}-wal`
  let fd: number | undefined
  let inode = -1
  let failed: Error | undefined

  /** The WAL exists while a connection is open; if it does not (yet), the database file is synced. */
  function target(): number {
    let path = walPath
    let stat = statSync(walPath, { throwIfNoEntry: false })
    if (stat === undefined) {
      path = databasePath
      stat = statSync(databasePath)
    }
    if (fd !== undefined && stat.ino === inode) return fd
    if (fd !== undefined) closeSync(fd)
    fd = openSync(path, 'r')
    inode = stat.ino
    return fd
  }

  return {
    sync() {
      if (failed) return Promise.reject(failed)
      return new Promise((resolve, reject) => {
        let handle: number
        try {
          handle = target()
        } catch (err) {
          reject(err)
          return
        }
        fdatasync(handle, (err) => {
          if (err) {
            failed = new Error(
              `fsync of ${walPath} failed (${err.message}); writes since the last sync may be lost, so the ` +
                'store refuses further writes: check the disk, then restart openline-bridge',
              { cause: err },
            )
            reject(failed)
          } else resolve()
        })
      })
    },
    close() {
      if (fd !== undefined) closeSync(fd)
      fd = undefined
    },
  }
}
