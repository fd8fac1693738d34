/*
 * The reader's guards against a Redis that fails or stops answering: a deadline on every command, and a
 * way to close a client without waiting on a server that may be gone.
 */
import type { RedisClientLike } from './redis-backplane'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * `promise`, or a rejection once `ms` have passed without an answer. The reader must never wait on a
 * command forever: a half-open connection answers nothing, and node-redis (5.9) can lose a command
 * queued while it reconnects after a crash, leaving it pending for good.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer ${what} within ${ms} ms.`)), ms)
  })
  promise.catch(() => {}) // once the race is lost, its own failure has no one to tell
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Closes a node-redis client without waiting on a server that may be gone. */
export async function discard(client: RedisClientLike): Promise<void> {
  try {
    if (client.destroy) client.destroy()
    else await client.disconnect?.()
  } catch {
    // Already closed (node-redis throws ClientClosedError once it gave up reconnecting): nothing to do.
  }
}
