/*
 * (5) Client parser: a 20 MiB mixed event stream in 16 KiB byte chunks. Our `createParser` takes the
 * bytes; eventsource-parser takes strings, so a streaming TextDecoder sits in front of it. Before
 * timing, both parsers must produce the same events (count and a SHA-256 over type, data and
 * lastEventId), so the comparison is between parsers that do the same work.
 */
import { createHash } from 'node:crypto'
import { createParser as createReferenceParser } from 'eventsource-parser'
import { EventSourceParserStream } from 'eventsource-parser/stream'
import { fmt, QUICK, range, report, rounds, x } from './lib.mjs'
import { fixture } from './sse-fixture.mjs'

const SIZE = (QUICK ? 4 : 20) * 1024 * 1024
const CHUNK = 16 * 1024
const ROUNDS = QUICK ? 3 : 9
const BASELINE = 'eventsource-parser feed() + TextDecoder'

const { bytes, chunks } = fixture(SIZE, CHUNK)

let ours
try {
  ours = (await import('use-next-sse/client')).createParser
} catch (error) {
  if (error.code !== 'ERR_MODULE_NOT_FOUND' && error.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error
}

/** Each parse function returns the number of events; `onEvent(type, data, lastEventId)` sees each one. */
const parsers = {
  'TextDecoder only': (onEvent) => {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
    let length = 0
    for (const chunk of chunks) length += decoder.decode(chunk, { stream: true }).length
    onEvent('', '', String(length))
  },
  [BASELINE]: (onEvent) => {
    // ignoreBOM: the parser strips the BOM itself; a decoder that also did would strip a second one.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
    let lastEventId = ''
    const parser = createReferenceParser({
      onId: (id) => {
        lastEventId = id
      },
      onEvent: (e) => onEvent(e.event || 'message', e.data, lastEventId),
    })
    for (const chunk of chunks) parser.feed(decoder.decode(chunk, { stream: true }))
  },
  'eventsource-parser EventSourceParserStream': async (onEvent) => {
    let lastEventId = ''
    let i = 0
    const source = new ReadableStream({
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++])
        else controller.close()
      },
    })
    const events = source
      .pipeThrough(new TextDecoderStream('utf-8', { ignoreBOM: true }))
      .pipeThrough(new EventSourceParserStream())
    // Events arrive after the parser moved on, so `onId` would run ahead: the fixture only puts ids on
    // events with data, where the event's own `id` is the same thing.
    for await (const e of events) {
      if (e.id !== undefined) lastEventId = e.id
      onEvent(e.event || 'message', e.data, lastEventId)
    }
  },
}
if (ours) {
  parsers['use-next-sse createParser'] = (onEvent) => {
    const parser = ours({ onEvent: (e) => onEvent(e.type, e.data, e.lastEventId) })
    for (const chunk of chunks) parser.feed(chunk)
  }
}

// Same events from every parser: count and hash, computed outside the timed runs.
const digests = {}
for (const [name, parse] of Object.entries(parsers)) {
  if (name === 'TextDecoder only') continue
  const hash = createHash('sha256')
  let count = 0
  await parse((type, data, id) => {
    count++
    hash.update(`${type}\0${data}\0${id}\n`)
  })
  digests[name] = { count, hash: hash.digest('hex').slice(0, 16) }
}
const reference = digests[BASELINE]
for (const [name, d] of Object.entries(digests)) {
  if (d.count !== reference.count || d.hash !== reference.hash) {
    throw new Error(
      `${name} parsed ${d.count} events (${d.hash}), eventsource-parser ${reference.count} (${reference.hash})`,
    )
  }
}

// Timed: the callback only counts (the same for every parser), and the count is checked again.
const candidates = Object.entries(parsers).map(([name, parse]) => ({
  name,
  run: async () => {
    let count = 0
    const start = performance.now()
    await parse(() => {
      count++
    })
    const elapsed = performance.now() - start
    if (name in digests && count !== reference.count) throw new Error(`${name} parsed ${count} events`)
    return elapsed
  },
}))
const result = await rounds(candidates, { rounds: ROUNDS, warmup: 2, baseline: BASELINE })
const mbps = (msValue) => bytes.length / 1024 / 1024 / (msValue / 1000)

const goals = []
if (ours) {
  const r = result['use-next-sse createParser']
  goals.push({
    metric: `(5) client parser, ${SIZE / 1024 / 1024} MiB in 16 KiB chunks, vs eventsource-parser feed() + TextDecoder`,
    goal: '≥ 1.2×',
    measured: `${x(r.ratio)} (${fmt(mbps(r.median), 0)} vs ${fmt(mbps(result[BASELINE].median), 0)} MiB/s)`,
    met: r.ratio >= 1.2,
  })
} else {
  goals.push({
    metric: '(5) client parser vs eventsource-parser feed() + TextDecoder',
    goal: '≥ 1.2×',
    measured: 'not measured: dist/client.js is not built yet',
    met: undefined,
  })
}

report({
  id: 'parser',
  title: `(5) Client parser: ${SIZE / 1024 / 1024} MiB mixed stream in 16 KiB byte chunks`,
  method: [
    `Fixture: ${bytes.length} bytes in ${chunks.length} chunks of 16 KiB (cut anywhere, inside CRLFs and multibyte characters): LF and CRLF line ends mixed per event, JSON data with event names, multi-line data, \`data:\` with and without the space, ids, comments, empty comments, retry fields, long lines (1–8 KiB, across chunks), multibyte UTF-8 (2, 3 and 4 bytes). Generated from a fixed seed.`,
    '`use-next-sse/client` `createParser({ onEvent }).feed(Uint8Array)` (it decodes itself) vs eventsource-parser 4 `createParser({ onEvent, onId }).feed(string)` behind `new TextDecoder("utf-8", { ignoreBOM: true }).decode(chunk, { stream: true })`. For reference: eventsource-parser\'s `EventSourceParserStream` behind a `TextDecoderStream` (read with for await), and a bare streaming TextDecoder pass over the same chunks.',
    `Checked before timing: every parser yields the same events, ${reference.count} of them, SHA-256 over type, data and lastEventId ${reference.hash}… (lastEventId tracked through \`onId\` for eventsource-parser).`,
    `Timed callbacks only count. Interleaved, rotated, ${ROUNDS} rounds after 2 warm-up rounds, gc before every run; "× baseline" is the median of per-round ratios baseline time / candidate time.`,
  ],
  tables: [
    {
      columns: ['candidate', 'median ms', 'min–max ms', 'MiB/s', '× baseline'],
      rows: Object.entries(result).map(([name, r]) => [
        name,
        fmt(r.median, 1),
        range(r),
        fmt(mbps(r.median), 0),
        x(r.ratio),
      ]),
    },
  ],
  goals,
  notes: ours ? [] : ['`use-next-sse/client` is not built yet (src/client is in progress): only the references ran.'],
})
