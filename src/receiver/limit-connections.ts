import { BlockList, isIPv6, type Socket } from 'node:net'

export interface ConnectionLimitOptions {
  /** Most connections open at once from one remote address; 0 = no cap. */
  maxPerIp: number
  /** Proxy addresses or CIDRs (`server.trustProxy`): their connections carry many clients, uncapped. */
  trusted: readonly string[]
  /** A connection was refused (rate-limit the log line behind this). */
  onRefused?: (address: string, open: number) => void
}

/** `::ffff:127.0.0.2` → `127.0.0.2`, so one client is one address whatever the socket family. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

export function trustedAddresses(entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/')
    const type = isIPv6(address) ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return list
}

/**
 * Listener for the server's `connection` event: counts open connections per remote address and
 * closes at once a connection over `maxPerIp`, so one address cannot take every file descriptor
 * (a slowloris with thousands of sockets). Connections from a trusted proxy are not counted: the
 * proxy must cap its own clients (docs/operations.md).
 */
export function connectionLimiter(options: ConnectionLimitOptions): (socket: Socket) => void {
  const open = new Map<string, number>()
  const trusted = trustedAddresses(options.trusted)
  return (socket) => {
    if (options.maxPerIp <= 0 || socket.remoteAddress === undefined) return
    const address = plainAddress(socket.remoteAddress)
    if (trusted.check(address, isIPv6(address) ? 'ipv6' : 'ipv4')) return
    const count = open.get(address) ?? 0
    if (count >= options.maxPerIp) {
      socket.destroy()
      options.onRefused?.(address, count)
      return
    }
    open.set(address, count + 1)
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1
      if (left <= 0) open.delete(address)
      else open.set(address, left)
    })
  }
}
