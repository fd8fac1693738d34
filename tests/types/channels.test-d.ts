import { type Channel, createChannel, createSSEHandler } from 'use-next-sse/server'
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
})
