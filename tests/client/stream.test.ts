import { describe, expect, it } from 'vitest'
import { isSSEError, type ParsedEvent, ParserStream } from '../../src/client'
import { utf8 } from './helpers'

async function collect(stream: ReadableStream<ParsedEvent>): Promise<ParsedEvent[]> {
  const out: ParsedEvent[] = []
  for await (const event of stream as unknown as AsyncIterable<ParsedEvent>) out.push(event)
  return out
}

function source(chunks: (string | Uint8Array)[]): ReadableStream<string | Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      controller.close()
    },
  })
}

describe('ParserStream', () => {
  it('turns bytes into events, across chunk boundaries', async () => {
    const bytes = utf8('id: 1\nevent: a\ndata: é\r\n\r\ndata: b\n\n')
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b))
    expect(await collect(source(chunks).pipeThrough(new ParserStream()))).toEqual([
      { type: 'a', data: 'é', lastEventId: '1' },
      { type: 'message', data: 'b', lastEventId: '1' },
    ])
  })

  it('takes strings too, cut anywhere and mixed with bytes, and is a TransformStream', async () => {
    const stream = new ParserStream()
    expect(stream).toBeInstanceOf(TransformStream)
    expect(stream).toBeInstanceOf(ParserStream)
    // A BOM and a CRLF split across string pieces, then a character split across byte pieces.
    const bytes = utf8('data: é\n\n')
    const chunks = [
      '\ufeffid: 1\r',
      '\nevent: a\ndata: x\r\n',
      '\r\nda',
      'ta: y\n',
      '\n',
      bytes.subarray(0, 7),
      bytes.subarray(7),
    ]
    expect(await collect(source(chunks).pipeThrough(stream))).toEqual([
      { type: 'a', data: 'x', lastEventId: '1' },
      { type: 'message', data: 'y', lastEventId: '1' },
      { type: 'message', data: 'é', lastEventId: '1' },
    ])
  })

  it('passes retry and comments to the given callbacks', async () => {
    const retries: number[] = []
    const comments: string[] = []
    const events = await collect(
      source([': hi\nretry: 10\ndata: x\n\n']).pipeThrough(
        new ParserStream({ onRetry: (ms) => retries.push(ms), onComment: (c) => comments.push(c) }),
      ),
    )
    expect([events.length, retries, comments]).toEqual([1, [10], ['hi']])
  })

  it('errors the stream on MAX_BUFFER_SIZE when no onError is given', async () => {
    const stream = source([`data: ${'x'.repeat(50)}\n\n`]).pipeThrough(new ParserStream({ maxBufferSize: 10 }))
    await expect(collect(stream)).rejects.toSatisfy((error) => isSSEError(error, 'MAX_BUFFER_SIZE'))
  })

  it('goes on after MAX_BUFFER_SIZE when onError is given', async () => {
    const errors: unknown[] = []
    const stream = source([`data: ${'x'.repeat(50)}\n\ndata: ok\n\n`]).pipeThrough(
      new ParserStream({ maxBufferSize: 10, onError: (e) => errors.push(e) }),
    )
    expect((await collect(stream)).map((e) => e.data)).toEqual(['ok'])
    expect(errors).toHaveLength(1)
  })
})
