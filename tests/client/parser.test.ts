import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createParser as oracleParser } from 'eventsource-parser'
import { describe, expect, it, vi } from 'vitest'
import { createParser, isSSEError, type ParsedEvent, type SSEError } from '../../src/client'
import { prng, randomSplit, utf8, vectorCases, vectors } from './helpers'

/** Runs `chunks` through a fresh parser and returns what it reported. */
function parse(chunks: (Uint8Array | string)[], options: { maxBufferSize?: number } = {}) {
  const events: ParsedEvent[] = []
  const retries: number[] = []
  const comments: string[] = []
  const errors: SSEError[] = []
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onRetry: (ms) => retries.push(ms),
    onComment: (comment) => comments.push(comment),
    onError: (error) => errors.push(error),
    ...options,
  })
  for (const chunk of chunks) parser.feed(chunk)
  return { events, retries, comments, errors, parser }
}

describe('conformance vectors (sse-vectors.json)', () => {
  it('has the vectors', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(45)
  })

  // Every chunking (runtimes/contract/vectors.ts): the same cases run inside Bun and Deno on the built package.
  for (const vector of vectors) {
    describe(vector.name, () => {
      for (const [how, chunks] of vectorCases(vector)) {
        it(how, () => {
          const { events, retries } = parse(chunks)
          expect(events).toEqual(vector.expected)
          expect(retries.at(-1) ?? null).toBe(vector.expectedRetry)
        })
      }
    })
  }
})

describe('line ends', () => {
  it('takes a CR at the end of one chunk and an LF at the start of the next as one line end', () => {
    // Were they two, the empty line between them would dispatch "a" early and lose "b".
    const { events } = parse(['data: a\r', '\ndata: b\r', '\n\r', '\n'])
    expect(events).toEqual([{ type: 'message', data: 'a\nb', lastEventId: '' }])
  })

  it('keeps the pending CR across empty chunks', () => {
    const { events } = parse(['data: a\r', '', new Uint8Array(0), '\ndata: b\r\r'])
    expect(events).toEqual([{ type: 'message', data: 'a\nb', lastEventId: '' }])
  })

  it('ends a line at a lone CR followed by data in the next chunk', () => {
    const { events } = parse(['data: a\r', 'data: b\r\r'])
    expect(events).toEqual([{ type: 'message', data: 'a\nb', lastEventId: '' }])
  })

  it('mixes CR, LF and CRLF in one stream', () => {
    const { events } = parse(['event: x\rdata: 1\r\ndata: 2\n\r\nid: 7\n\ndata: 3\r\r'])
    expect(events).toEqual([
      { type: 'x', data: '1\n2', lastEventId: '' },
      { type: 'message', data: '3', lastEventId: '7' },
    ])
  })
})

describe('decoding', () => {
  it('keeps a multibyte character split across chunks', () => {
    const bytes = utf8('data: a€😀b\n\n')
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(parse([bytes.subarray(0, cut), bytes.subarray(cut)]).events[0]?.data).toBe('a€😀b')
    }
  })

  it('turns invalid bytes into U+FFFD, as a streaming TextDecoder does', () => {
    const bytes = Uint8Array.of(...utf8('data: '), 0xff, 0xe2, 0x82, ...utf8('x\n\n'))
    expect(parse([bytes]).events[0]?.data).toBe('\ufffd\ufffdx')
    expect(parse(Array.from(bytes, (b) => Uint8Array.of(b))).events[0]?.data).toBe('\ufffd\ufffdx')
  })

  it('strips one BOM at the start only, even when its bytes are split', () => {
    const bytes = Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('data: a\n\n'))
    expect(parse([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]).events).toEqual([
      { type: 'message', data: 'a', lastEventId: '' },
    ])
    // A second BOM is part of the field name: "\uFEFFdata" is an unknown field.
    expect(parse(['\ufeff\ufeffdata: a\n\n']).events).toEqual([])
    expect(parse(['\ufeffdata: a\n\n']).events).toHaveLength(1)
  })

  it('does not strip a BOM that arrives after text, even in a later chunk', () => {
    expect(parse(['data: a\n\n', '\ufeffdata: b\n\n']).events.map((e) => e.data)).toEqual(['a'])
  })

  it('accepts other ArrayBuffer views, as TextDecoder does', () => {
    const bytes = utf8('data: a\n\n')
    // Typed as Uint8Array | string; at run time any view decodes.
    expect(parse([new DataView(bytes.buffer) as unknown as Uint8Array]).events).toHaveLength(1)
  })
})

describe('fields', () => {
  it('reports comments without the colon and one space', () => {
    expect(parse([':hi\n:  two spaces\n:\n\n']).comments).toEqual(['hi', ' two spaces', ''])
  })

  it('reports retry only for ASCII digits, in base ten', () => {
    expect(parse(['retry: 0012\nretry: 1.5\nretry: -1\nretry:\nretry: 7 \nretry:99\n\n']).retries).toEqual([12, 99])
  })

  it('ignores an id with NUL and keeps the previous one', () => {
    expect(parse(['id: 1\n\nid: 2\0\ndata: x\n\n']).events).toEqual([{ type: 'message', data: 'x', lastEventId: '1' }])
  })

  it('commits the id of a block without data, and dispatches nothing for it', () => {
    const { events, parser } = parse(['id: 5\n\n'])
    expect(events).toEqual([])
    expect(parser.lastEventId).toBe('5')
  })

  it('does not commit the id of an event that never ends', () => {
    const { parser } = parse(['id: 1\ndata: a\n\nid: 2\ndata: b\n'])
    expect(parser.lastEventId).toBe('1')
  })

  it('treats field names that only start like a known one as unknown', () => {
    expect(parse(['datax: 1\nevents: 2\nidx: 3\nretryx: 4\ndata: ok\n\n']).events).toEqual([
      { type: 'message', data: 'ok', lastEventId: '' },
    ])
  })
})

describe('long lines', () => {
  it('reads a 1 MiB data line fed in 1 KiB pieces (kept linear: no re-scan, no re-join)', () => {
    const value = 'x'.repeat(1024 * 1024)
    const text = `data: ${value}\n\n`
    const pieces = Array.from({ length: Math.ceil(text.length / 1024) }, (_, i) =>
      text.slice(i * 1024, i * 1024 + 1024),
    )
    const { events } = parse(pieces)
    expect(events).toHaveLength(1)
    expect(events[0]!.data.length).toBe(value.length)
    expect(events[0]!.data === value).toBe(true)
  })

  it('recognises a data line whose "data: " prefix is itself split', () => {
    for (const cut of [1, 2, 3, 4, 5, 6, 7]) {
      const text = `data: ${'y'.repeat(40)}\ndata: z\n\n`
      const { events } = parse([text.slice(0, cut), text.slice(cut, 20), text.slice(20, 30), text.slice(30)])
      expect(events).toEqual([{ type: 'message', data: `${'y'.repeat(40)}\nz`, lastEventId: '' }])
    }
  })
})

describe('maxBufferSize', () => {
  it('drops a line that grows past it across chunks, reports MAX_BUFFER_SIZE and goes on', () => {
    const { events, errors } = parse(['data: ', 'x'.repeat(60), 'x'.repeat(60), '\n\ndata: after\n\n'], {
      maxBufferSize: 100,
    })
    expect(errors).toHaveLength(1)
    expect(isSSEError(errors[0], 'MAX_BUFFER_SIZE')).toBe(true)
    expect(events).toEqual([{ type: 'message', data: 'after', lastEventId: '' }])
  })

  it('drops an event whose data grows past it, whole, and reads the next one', () => {
    const line = `data: ${'x'.repeat(40)}\n`
    const { events, errors } = parse([line.repeat(4), 'data: tail\n\n', 'data: next\n\n'], { maxBufferSize: 100 })
    expect(errors.map((e) => e.code)).toEqual(['MAX_BUFFER_SIZE'])
    // Neither the first lines nor the tail of the dropped event leak into an event.
    expect(events).toEqual([{ type: 'message', data: 'next', lastEventId: '' }])
  })

  it('holds about the data itself while an event of many short data lines builds up, not several times it', () => {
    // The figure that matters is memory, so it is measured: the heap the parser holds just before the
    // blank line, after a full collection, against the data it holds. (A rope of `data + "\n" + line`
    // held 8.6x for 10-character lines, keeping every input piece and two rope nodes per line.)
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const max = 8 * 2 ** 20
    const line = `data: ${'x'.repeat(10)}\n`
    const lines = Math.floor((max - 1) / 11)
    const perPiece = Math.floor(65536 / line.length)
    const piece = utf8(line.repeat(perPiece))
    let data = 0
    const parser = createParser({ onEvent: (event) => (data = event.data.length), maxBufferSize: max })
    gc()
    const before = process.memoryUsage().heapUsed
    let fed = 0
    for (; fed + perPiece <= lines; fed += perPiece) parser.feed(piece)
    parser.feed(line.repeat(lines - fed))
    gc()
    const held = process.memoryUsage().heapUsed - before
    parser.feed('\n')
    expect(data).toBe(lines * 11 - 1)
    // One byte per character (Latin-1 data), plus a little: well under 1.5x.
    expect(held).toBeLessThan(1.5 * max)
  })

  it('never throws when there is no onError', () => {
    const parser = createParser({ onEvent: () => {}, maxBufferSize: 4 })
    expect(() => parser.feed('data: too long\n\n')).not.toThrow()
  })
})

describe('reset', () => {
  it('drops the partial line, the pending CR and the decoder state', () => {
    const { events, parser } = parse([Uint8Array.of(...utf8('data: a\r'), 0xe2, 0x82)])
    parser.reset()
    parser.feed('\ndata: b\n\n')
    // The LF is a blank line of the new connection (nothing to dispatch), and no U+FFFD leaks in.
    expect(events).toEqual([{ type: 'message', data: 'b', lastEventId: '' }])
  })

  it('puts the ID buffer back to the committed id, and strips a BOM again', () => {
    const { events, parser } = parse(['id: 1\ndata: a\n\nid: 2\ndata: b\n'])
    parser.reset()
    parser.feed('\ufeffdata: c\n\n')
    expect(events.at(-1)).toEqual({ type: 'message', data: 'c', lastEventId: '1' })
  })

  it('sets the last event id when asked', () => {
    const { parser, events } = parse(['id: 1\n\n'])
    parser.reset({ lastEventId: '' })
    expect(parser.lastEventId).toBe('')
    parser.feed('data: x\n\n')
    expect(events).toEqual([{ type: 'message', data: 'x', lastEventId: '' }])
  })

  it('can be called from inside onEvent', () => {
    const seen: string[] = []
    const parser = createParser({
      onEvent: (event) => {
        seen.push(event.data)
        if (event.data === 'a') parser.reset()
      },
    })
    parser.feed('data: a\n\ndata: b\n\n')
    expect(seen).toEqual(['a', 'b'])
  })
})

describe('misuse', () => {
  it('throws a TypeError that shows the right call', () => {
    // @ts-expect-error a function instead of options
    expect(() => createParser(() => {})).toThrow(/createParser\(\{ onEvent/)
    // @ts-expect-error no options
    expect(() => createParser()).toThrow(TypeError)
    const parser = createParser({ onEvent: () => {} })
    // @ts-expect-error a number
    expect(() => parser.feed(123)).toThrow(/Uint8Array or a string/)
    // @ts-expect-error null
    expect(() => parser.feed(null)).toThrow(TypeError)
  })

  it('reads any view as its bytes, and its methods work detached', () => {
    const events: ParsedEvent[] = []
    const { feed, reset } = createParser({ onEvent: (e) => events.push(e) })
    const bytes = utf8('data: é€\n\ndata: 😀\n\n')
    const buffer = new ArrayBuffer(bytes.length + 4)
    new Uint8Array(buffer, 2, bytes.length).set(bytes)
    // A DataView over part of a buffer, cut inside the 4-byte character, as TextDecoder would read it.
    feed(new DataView(buffer, 2, bytes.length - 4) as unknown as Uint8Array)
    feed(new DataView(buffer, 2 + bytes.length - 4, 4) as unknown as Uint8Array)
    reset()
    expect(events.map((e) => e.data)).toEqual(['é€', '😀'])
  })
})

describe('against eventsource-parser (oracle), on random streams', () => {
  // Streams made of the pieces that matter: field names, separators, line ends, BOMs, NUL, unicode.
  const atoms = [
    'data',
    'event',
    'id',
    'retry',
    'x',
    ':',
    ': ',
    ' ',
    '\n',
    '\r',
    '\r\n',
    '1',
    '\0',
    '\ufeff',
    '€',
    '😀',
  ]

  function oracle(text: string): ParsedEvent[] {
    const events: ParsedEvent[] = []
    let lastEventId = ''
    const parser = oracleParser({
      onEvent: (e) => events.push({ type: e.event || 'message', data: e.data, lastEventId }),
      // onId runs at every dispatch whose block set an id, before onEvent: the spec's committed id.
      onId: (id) => {
        lastEventId = id
      },
    })
    parser.feed(text)
    return events
  }

  it('dispatches the same events for 300 random streams and random splits', () => {
    const random = prng(42)
    for (let run = 0; run < 300; run++) {
      let text = ''
      const length = 1 + Math.floor(random() * 60)
      for (let i = 0; i < length; i++) text += atoms[Math.floor(random() * atoms.length)]
      // The oracle strips a leading BOM too; end with a blank line so the last event is complete.
      text += '\n\n'
      const expected = oracle(text)
      const bytes = utf8(text)
      expect(parse([text]).events, JSON.stringify(text)).toEqual(expected)
      expect(parse(randomSplit(bytes, random, 8)).events, JSON.stringify(text)).toEqual(expected)
    }
  })
})

it('calls no callback it was not given (onComment, onRetry are optional)', () => {
  const onEvent = vi.fn()
  const parser = createParser({ onEvent })
  parser.feed(': c\nretry: 5\ndata: x\n\n')
  expect(onEvent).toHaveBeenCalledTimes(1)
})

describe('the connection’s parser (Interpreter)', () => {
  it('says whether each event carried an id of its own or inherited the last one', async () => {
    const { Interpreter } = await import('../../src/client/interpreter')
    const seen: [string, string, boolean][] = []
    const parser = new Interpreter({ onEvent: (e, own) => seen.push([e.data, e.lastEventId, own]) })
    parser.reset({ lastEventId: '3' })
    parser.feed('data: a\n\nid: 4\ndata: b\n\ndata: c\n\nid: 5\r\n\r\nid: x\0y\ndata: d\n\ndata: e\r\nid: 6\r\n\r\n')
    expect(seen).toEqual([
      ['a', '3', false],
      ['b', '4', true],
      ['c', '4', false],
      // The blank line after `id: 5` dispatches nothing, but commits the id and ends the block.
      ['d', '5', false], // an id with NUL is ignored: inherited
      ['e', '6', true],
    ])
  })
})
