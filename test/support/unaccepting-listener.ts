import { type ChildProcess, spawn } from 'node:child_process'
import { connect, type Socket } from 'node:net'

/**
 * A loopback port where TCP connects hang like a host that drops SYNs: a child process listens
 * with a backlog of 1 and never calls accept (its event loop is parked in Atomics.wait); filler
 * connections fill the accept queue, and Linux then drops further SYNs instead of answering them
 * (tcp_conn_request: accept queue full → drop). The client's SYN is retransmitted and its connect
 * hangs until its own timer gives up: the blackholed portal, without the internet.
 */
export interface UnacceptingListener {
  /** `127.0.0.1:<port>` */
  host: string
  /** `http://127.0.0.1:<port>` */
  url: string
  close(): Promise<void>
}

// Listens, reports its port, then blocks its event loop for good: libuv never accepts.
const childScript = `
const server = require('node:net').createServer()
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n')
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
})
`

// More than any accept queue a backlog of 1 allows (Linux: backlog + 1).
const fillers = 8

export async function startUnacceptingListener(): Promise<UnacceptingListener> {
  const child: ChildProcess = spawn(process.execPath, ['-e', childScript], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`listener child exited with ${code}`)))
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim())))
  })
  const sockets: Socket[] = []
  // All fillers' SYNs leave before the client's, and loopback handles them in order: once one
  // filler is connected, the queue is full and every later SYN (the client's too) is dropped.
  await new Promise<void>((resolve) => {
    for (let i = 0; i < fillers; i++) {
      const socket = connect(port, '127.0.0.1')
      socket.on('error', () => {})
      socket.once('connect', () => resolve())
      sockets.push(socket)
    }
  })
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy()
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}
