/**
 * The Worker of the Durable Object channel tests (channel-object.test.ts): channels hosted by
 * `ChannelObject`s from the built package, reached by room name the way a user's Worker reaches them.
 *
 *   GET  /events/<room>        the room's SSE stream (`?odd=1` / `?odd=0`: only odd / even `n`)
 *   POST /publish/<room>       body `{ data, event? }`; answers `{ id }`
 *   POST /refuse/<room>?what=  a publish the library must refuse (`bigint`, `event`); answers the error
 *   GET  /stats/<room>         `{ size, timers, lastId }` of the room's object
 *
 * Binding CHANNELS keeps 1000 events, SMALL keeps 3 (for the gap).
 */
import { ChannelObject, channelOf, type RemoteChannel } from 'use-next-sse/cloudflare'

/*
 * The intervals this isolate holds, counted by wrapping the globals the library's keep-alive calls: a
 * black-box check that no timer outlives the last subscriber. (The object runs in this isolate.)
 */
const intervals = new Set<unknown>()
const setIntervalOf = globalThis.setInterval
const clearIntervalOf = globalThis.clearInterval
globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
  const timer = setIntervalOf(...args)
  intervals.add(timer)
  return timer
}) as typeof setInterval
globalThis.clearInterval = ((timer: ReturnType<typeof setInterval>) => {
  intervals.delete(timer)
  clearIntervalOf(timer)
}) as typeof clearInterval

export interface Stats {
  size: number
  timers: number
  lastId: string | null
}

interface Message {
  n: number
}

export class TestChannel extends ChannelObject<Message> {
  // A short keep-alive: workerd sees a departed client only at its next write.
  protected override options = { sse: { keepAlive: 200 } }

  override filterFor(request: Request) {
    const odd = new URL(request.url).searchParams.get('odd')
    return odd === null ? undefined : (data: Message) => data.n % 2 === Number(odd)
  }

  timers(): number {
    return intervals.size
  }
}

export class SmallChannel extends TestChannel {
  protected override options = { maxEvents: 3, sse: { keepAlive: 200 } }
}

interface Env {
  CHANNELS: DurableObjectNamespace
  SMALL: DurableObjectNamespace
}

/** The Workers binding as far as this file uses it (workers-types' globals would clash with the DOM lib). */
interface DurableObjectNamespace {
  idFromName(name: string): unknown
  get(id: unknown): { fetch(request: Request): Promise<Response>; timers(): Promise<number> }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url)
    const [, action = '', room = ''] = url.pathname.split('/')
    const namespace = url.searchParams.get('small') === null ? env.CHANNELS : env.SMALL
    const channel: RemoteChannel<Message> = channelOf(namespace, room)
    switch (action) {
      case 'events':
        return channel.subscribe(request)
      case 'publish': {
        const { data, event } = (await request.json()) as { data: Message; event?: string }
        return Response.json({ id: await channel.publish(data, { event }) })
      }
      case 'refuse':
        try {
          if (url.searchParams.get('what') === 'bigint') await channel.publish({ n: 1n } as never)
          else await channel.publish({ n: 1 }, { event: 'evil\ndata: forged' })
          return Response.json({ refused: false })
        } catch (error) {
          return Response.json({ refused: true, name: (error as Error).name, message: (error as Error).message })
        }
      case 'stats': {
        const stub = namespace.get(namespace.idFromName(room))
        const stats: Stats = { size: await channel.size(), timers: await stub.timers(), lastId: await channel.lastId() }
        return Response.json(stats)
      }
      default:
        return new Response('not found', { status: 404 })
    }
  },
}
