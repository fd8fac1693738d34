import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeEvent } from '../../src/core'
import { eventsOf } from '../helpers/sse'

describe('encodeEvent', () => {
  it('writes each field on its own line and ends with the blank line that dispatches', () => {
    expect(encodeEvent({ event: 'update', id: '42', retry: 3000, data: 'hello' })).toBe(
      'event: update\nid: 42\nretry: 3000\ndata: hello\n\n',
    )
  })

  it('splits data on CR, LF and CRLF into several data lines', () => {
    expect(encodeEvent({ data: 'a\nb\rc\r\nd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n')
    expect(encodeEvent({ data: '' })).toBe('data: \n\n')
    expect(encodeEvent({ data: '\n' })).toBe('data: \ndata: \n\n')
  })

  it('keeps a leading space of the data, which the client strips only once', async () => {
    const text = encodeEvent({ data: '  two spaces' })
    expect(await eventsOf(text)).toEqual([{ type: 'message', data: '  two spaces', id: undefined }])
  })

  it('writes comments, one per line, and a bare colon for an empty comment', () => {
    expect(encodeEvent({ comment: 'hi' })).toBe(': hi\n\n')
    expect(encodeEvent({ comment: 'a\nb' })).toBe(': a\n: b\n\n')
    expect(encodeEvent({ comment: '' })).toBe(':\n\n')
  })

  it.each([
    ['event', { event: 'a\nb' }],
    ['event', { event: 'a\rb' }],
    ['id', { id: 'a\nb' }],
    ['id', { id: 'a\r' }],
    ['id', { id: 'a\0b' }],
    ['retry', { retry: -1 }],
    ['retry', { retry: 1.5 }],
    ['retry', { retry: Number.NaN }],
    // 2^31 ms and more overflow clients' timers into a reconnect every few ms.
    ['retry', { retry: 2 ** 31 }],
    ['retry', { retry: 1e12 }],
    // The id comes back as a request header: one over 1024 characters would get the client a 431.
    ['id', { id: 'x'.repeat(1025) }],
    ['data', { data: 42 as unknown as string }],
    ['comment', { comment: {} as unknown as string }],
  ])('refuses a bad %s with a TypeError naming the field', (field, fields) => {
    expect(() => encodeEvent(fields)).toThrow(TypeError)
    expect(() => encodeEvent(fields)).toThrow(`"${field}"`)
  })

  it('accepts the limits themselves: retry 2^31 - 1 and a 1024-character id', () => {
    expect(encodeEvent({ retry: 2 ** 31 - 1 })).toBe('retry: 2147483647\n\n')
    expect(encodeEvent({ id: 'x'.repeat(1024) })).toBe(`id: ${'x'.repeat(1024)}\n\n`)
  })

  it('allows NUL in an event name (only ids are ignored by clients for it)', () => {
    expect(encodeEvent({ event: 'a\0b', data: 'x' })).toBe('event: a\0b\ndata: x\n\n')
  })

  it('refuses a non-object', () => {
    expect(() => encodeEvent(null as never)).toThrow(/encodeEvent expects an object/)
  })

  it('round-trips through an independent parser for any text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme' }),
        fc.string().filter((s) => !/[\r\n]/.test(s) && s !== ''),
        fc.string().filter((s) => !/[\r\n\0]/.test(s)),
        async (data, event, id) => {
          const events = await eventsOf(encodeEvent({ data, event, id }))
          expect(events).toEqual([{ type: event, data: data.replace(/\r\n|\r/g, '\n'), id }])
        },
      ),
    )
  })
})
