import { type ChannelNamespace, ChannelObject, channelOf, type RemoteChannel } from 'use-next-sse/cloudflare'
import type { SSEEvents } from 'use-next-sse/server'
import { describe, expectTypeOf, it } from 'vitest'

interface Message {
  id: string
  text: string
}

/** A namespace binding as the Workers types shape it (get() takes their DurableObjectId). */
declare const namespace: {
  idFromName(name: string): { readonly brand: 'DurableObjectId' }
  get(id: { readonly brand: 'DurableObjectId' }): { fetch(request: Request): Promise<Response> }
}

describe('channelOf<T>', () => {
  it('takes a namespace binding and a name, and publishes T as Channel does', () => {
    expectTypeOf(namespace).toExtend<ChannelNamespace>()
    const room = channelOf<Message>(namespace, 'lobby')
    expectTypeOf(room).toEqualTypeOf<RemoteChannel<Message>>()
    expectTypeOf(room.publish).parameter(0).toEqualTypeOf<Message>()
    expectTypeOf(room.publish({ id: '1', text: 'hi' }, { event: 'message' })).toEqualTypeOf<Promise<string>>()
    // @ts-expect-error the data must be a Message
    room.publish({ id: 1, text: 'hi' })
    expectTypeOf(room.subscribe).returns.toEqualTypeOf<Promise<Response>>()
    // Over RPC every answer is a promise: size is a method, not Channel's property.
    expectTypeOf(room.size).returns.toEqualTypeOf<Promise<number>>()
    expectTypeOf(room.lastId).returns.toEqualTypeOf<Promise<string | null>>()
    expectTypeOf(room.name).toEqualTypeOf<string>()
  })

  it('checks publish against an event map', () => {
    const room = channelOf<SSEEvents<{ message: Message; typing: { user: string } }>>(namespace, 'lobby')
    room.publish({ id: '1', text: 'hi' })
    room.publish({ user: 'ada' }, { event: 'typing' })
    // @ts-expect-error typing carries { user }
    room.publish({ id: '1', text: 'hi' }, { event: 'typing' })
    // @ts-expect-error not an event of the map
    room.publish({ user: 'ada' }, { event: 'presence' })
  })

  it('defaults T to any', () => {
    expectTypeOf(channelOf(namespace, 'lobby').publish).parameter(0).toBeAny()
  })
})

describe('ChannelObject<T>', () => {
  it('is subclassed for options and a filter typed by T', () => {
    class Room extends ChannelObject<Message> {
      protected override options = { maxEvents: 500, maxAge: 60_000, sse: { keepAlive: 10_000 } }
      override filterFor(request: Request) {
        const author = new URL(request.url).searchParams.get('not')
        return author === null ? undefined : (data: Message) => data.id !== author
      }
    }
    expectTypeOf<Room['publish']>().parameter(0).toEqualTypeOf<Message>()
    expectTypeOf<Room['publish']>().returns.toEqualTypeOf<Promise<string>>()
    expectTypeOf<Room['append']>().returns.toEqualTypeOf<string>()
    expectTypeOf<Room['size']>().returns.toEqualTypeOf<number>()
    expectTypeOf<Room['fetch']>().returns.toEqualTypeOf<Response>()
  })
})
