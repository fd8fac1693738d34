/**
 * The chat's rooms: one channel per room, cached in a Map, on the process's memory backplane, or on
 * Redis Streams when `REDIS_URL` is set (then every instance of the app shares the rooms, and a client
 * resumes on whichever instance it reaches).
 */
import { createClient } from 'redis'
import { createRedisBackplane } from 'use-next-sse/redis'
import { type Backplane, type Channel, createChannel } from 'use-next-sse/server'
import type { Message } from './chat-types'

export { type Message, ROOM_ID } from './chat-types'

let backplane: Backplane | undefined

/** The Redis backplane when `REDIS_URL` is set (made once), the default in-memory one otherwise. */
function sharedBackplane(): Backplane | undefined {
  const url = process.env.REDIS_URL
  if (!url) return undefined
  if (backplane === undefined) {
    const client = createClient({ url })
    client.on('error', (error) => console.error('[chat] redis:', error))
    // Commands wait in node-redis's queue until connected; a failure is reported through 'error' above.
    client.connect().catch(() => {})
    backplane = createRedisBackplane({ client })
  }
  return backplane
}

const rooms = new Map<string, Channel<Message>>()

/** The room's channel, made on first use. */
export function room(roomId: string): Channel<Message> {
  let channel = rooms.get(roomId)
  if (channel === undefined) {
    channel = createChannel<Message>({ name: `chat:${roomId}`, maxEvents: 500, backplane: sharedBackplane() })
    rooms.set(roomId, channel)
  }
  return channel
}
