/** Bitrix24's default per-portal bucket (https://apidocs.bitrix24.com/limits.html). */
export const defaultBucket = { burst: 50, perSecond: 2 }

/** Commands per `batch` request. */
export const batchSize = 50

/** The fewest requests N batch commands can take: ceil(N/50). */
export const minRequests = (n: number) => Math.ceil(n / batchSize)

/**
 * The fewest requests reading N messages takes when `newChats` of their chats are read for the
 * first time: each such chat adds one `imopenlines.dialog.get` command to the batches.
 */
export const minReadRequests = (n: number, newChats: number) => minRequests(n + newChats)

/** The bucket's floor for N commands: ceil(N/50) batches, the first `burst` at once, the rest at `perSecond`. */
export function bucketMinimumSec(n: number, limit = defaultBucket): number {
  return Math.max(0, minRequests(n) - limit.burst) / limit.perSecond
}

/** Share of the bucket used: requests ÷ (burst + perSecond × seconds the backlog lasted). */
export function bucketUtilization(requests: number, seconds: number, limit = defaultBucket): number {
  return requests / (limit.burst + limit.perSecond * seconds)
}
