import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A throwaway PostgreSQL server on a loopback port, owned by the process that started it. */
export interface PgCluster {
  /** Superuser URL of the `postgres` database: create and drop test databases through it. */
  adminUrl: string
  port: number
  stop(): Promise<void>
}

export const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl) not found: install them with `apt-get install postgresql` ' +
  '(Debian/Ubuntu; .ci/run does this), or run with PG_TESTS=skip to skip the Postgres suites explicitly'

/** Debian keeps initdb/pg_ctl out of PATH, in /usr/lib/postgresql/<major>/bin; newest major wins. */
export async function findPgBinDir(): Promise<string | undefined> {
  try {
    const { stdout } = await run('pg_config', ['--bindir'])
    const dir = stdout.trim()
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  } catch {}
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
  for (const major of majors) {
    const dir = join(root, major, 'bin')
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  }
  return undefined
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

interface RunAs {
  uid?: number
  gid?: number
  user: string
}

/** Postgres refuses to run as root: as root, initdb and pg_ctl run as the unprivileged `postgres` user. */
async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { user: 'current user' }
  const { stdout: uid } = await run('id', ['-u', 'postgres'])
  const { stdout: gid } = await run('id', ['-g', 'postgres'])
  return { uid: Number(uid.trim()), gid: Number(gid.trim()), user: 'postgres' }
}

function exec(as: RunAs, file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (as.uid === undefined) return run(file, args)
  return run('runuser', ['-u', 'postgres', '--', file, ...args])
}

/**
 * initdb + pg_ctl start in a fresh temp directory (owned by `postgres` when run as root), on a free
 * loopback port, trust auth on loopback only, no Unix socket. `fsync = off` because the cluster is
 * thrown away after the run (a crash of the machine loses nothing worth keeping); commits still
 * wait for the WAL write (`synchronous_commit` stays on).
 */
export async function startCluster(options: { maxConnections?: number } = {}): Promise<PgCluster> {
  const bin = await findPgBinDir()
  if (bin === undefined) throw new Error(INSTALL_HINT)
  const as = await runAs()
  const dir = await mkdtemp(join(tmpdir(), 'olb-pg-'))
  const data = join(dir, 'data')
  if (as.uid !== undefined && as.gid !== undefined) await chown(dir, as.uid, as.gid)
  await chmod(dir, 0o700)
  try {
    await exec(as, join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ])
    const port = await freePort()
    const conf = [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      "unix_socket_directories = ''",
      `max_connections = ${options.maxConnections ?? 200}`,
      'fsync = off',
      'full_page_writes = off',
      'shared_buffers = 32MB',
      "log_min_messages = 'warning'",
    ].join('\n')
    const confPath = join(data, 'postgresql.auto.conf')
    await writeFile(confPath, `${conf}\n`)
    if (as.uid !== undefined && as.gid !== undefined) await chown(confPath, as.uid, as.gid)
    await exec(as, join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '120',
      'start',
    ])
    let stopped = false
    return {
      adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      async stop() {
        if (stopped) return
        stopped = true
        await exec(as, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {})
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

/** Stops the cluster when this process is interrupted (Ctrl-C during a run). */
export function stopOnExit(cluster: PgCluster): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    void cluster.stop().finally(() => process.kill(process.pid, signal))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** Creates database `name` in the cluster at `adminUrl` and returns its URL (bench and tests). */
export async function createTestDatabaseAt(adminUrl: string, name: string): Promise<string> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name.replace(/\W/g, '_')}`)
  } finally {
    await client.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name.replace(/\W/g, '_')}`
  return url.href
}
