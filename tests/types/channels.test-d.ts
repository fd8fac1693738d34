import { type Channel, createChannel, createSSEHandler, type SSEEvents } from 'use-next-sse/server'
import { describe, expectTypeOf, it } from 'vitest'

interface Message {
  id: string
  text: string
}

describe('createChannel<T>', () => {
  it('publishes T and resolves with the event id', () => {
    const channel = createChannel<Message>({ name: 'lobby', maxEvents: 500 })
    expectTypeOf(channel).toEqualTypeOf<Channel<Message>>()
    expectTypeOf(channel.publish).parameter(0).toEqualTypeOf<Message>()
    expectTypeOf(channel.publish({ id: '1', text: 'hi' })).toEqualTypeOf<Promise<string>>()
    channel.publish({ id: '1', text: 'hi' }, { event: 'message' })
    // @ts-expect-error the data must be a Message
    channel.publish({ id: 1, text: 'hi' })
    expectTypeOf(channel.size).toEqualTypeOf<number>()
  })

  it('attaches a handler connection, with a filter typed by T, and returns a detach function', () => {
    const channel = createChannel<Message>()
    createSSEHandler((_send, _close, context) => {
      const detach = channel.attach(context, {
        filter: (data, { id, event }) => {
          expectTypeOf(data).toEqualTypeOf<Message>()
          expectTypeOf(id).toEqualTypeOf<string>()
          expectTypeOf(event).toEqualTypeOf<string | undefined>()
          return data.text.length > 0
        },
      })
      expectTypeOf(detach).toEqualTypeOf<() => void>()
    })
  })

  it('defaults T to any', () => {
    expectTypeOf(createChannel().publish).parameter(0).toBeAny()
  })

  it('takes an event map through SSEEvents<M> or a typed handler, and checks publish against it', () => {
    type Room = { message: Message; typing: { user: string } }
    const room = createChannel<SSEEvents<Room>>({ name: 'room' })
    room.publish({ id: '1', text: 'hi' })
    room.publish({ user: 'ada' }, { event: 'typing' })
    // @ts-expect-error no such event
    room.publish({ user: 'ada' }, { event: 'typo' })
    // @ts-expect-error typing carries a user
    room.publish({ id: '1', text: 'hi' }, { event: 'typing' })
    const GET = createSSEHandler<Room>(() => {})
    const same = createChannel<typeof GET>()
    // @ts-expect-error no name means `message`, whose data is a Message
    same.publish({ user: 'ada' })
    createSSEHandler((_send, _close, context) => {
      room.attach(context, {
        filter: (data) => {
          expectTypeOf(data).toEqualTypeOf<Message | { user: string }>()
          return true
        },
      })
    })
  })
})
