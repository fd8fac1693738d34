// The comparison stream: a fixed, tricky sequence that the compare page reads with the browser's own
// EventSource and with ours. `?source=handler` writes it through createSSEHandler; `?source=raw` writes
// hand-made bytes that no encoder produces (CRLF, lone CR, a BOM, fields without a space or a colon),
// split into chunks at the worst places (between CR and LF, inside a UTF-8 character).
import { createSSEHandler } from 'use-next-sse'

export const dynamic = 'force-dynamic'

/** The reconnection time both clients get: long, so that the page has closed them before they retry. */
const RETRY = 60_000

const handler = createSSEHandler(
  (send, close, { sendEvent }) => {
    sendEvent({ comment: 'a comment\nover two lines' })
    send({ hello: 'world' })
    send('a "quoted" string with\nan escaped newline', 'update')
    sendEvent({ data: 'line 1\nline 2\r\nline 3\rline 4', event: 'update', id: '1' })
    sendEvent({ data: 'ünïcødé 🚀 日本語 عربى', id: 'ü-2' })
    sendEvent({ data: '' })
    sendEvent({ data: '', event: 'update' })
    send(undefined, 'update')
    sendEvent({ data: ' leading space, trailing space ', id: '3' })
    sendEvent({ id: '', data: 'the id was reset' })
    sendEvent({ id: '4' })
    sendEvent({ data: 'after an id-only block' })
    sendEvent({ comment: 'keep-alive' })
    send({ count: 5 }, { event: 'update', id: '5', retry: RETRY })
    sendEvent({ data: 'data: looks like a field\nid: 99', event: 'message' })
    send(null)
    close()
  },
  { retry: RETRY },
)

/** The raw stream, as chunks; every string is cut where a parser is most likely to stumble. */
const raw: (string | Uint8Array)[] = [
  '\uFEFF: a BOM starts the stream: it is skipped once\n',
  `retry: ${RETRY}\n\n`,
  'data: first\n\n',
  'id: 1\r\ndata: crlf line 1\r\ndata: crlf line 2\r',
  // The LF of a CRLF in the next chunk: one line break, not two.
  '\n\r\n',
  'event: custom\rid: 2\rdata: lone CR line endings\r\r',
  'data:no space after the colon\n\n',
  'data:  two spaces: only one is stripped\n\n',
  'data\n\n',
  'da',
  'ta: split inside a field name\n\n',
  // "🚀" is F0 9F 9A 80: cut after its second byte.
  new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xf0, 0x9f]),
  new Uint8Array([0x9a, 0x80, 0x20, 0xc3]),
  new Uint8Array([0xbc, 0x6e, 0x69, 0x63, 0x6f, 0x64, 0x65, 0x0a, 0x0a]),
  'id: 3\u0000x\ndata: an id with NUL is ignored\n\n',
  'id:\ndata: an empty id resets lastEventId\n\n',
  'event: custom\n\n',
  'id: 4\n\n',
  'data: after an id-only block\n\n',
  'unknown: field\ndata: an unknown field is ignored\n\n',
  'retry: soon\ndata: a bad retry is ignored\n\n',
  'event:\ndata: an empty event name is a message\n\n',
  'data: multi\ndata:\ndata: line\n\n',
  'data: \n\n',
  ': comment\ndata: after a comment\n\n',
  'event: update\ndata: {"last":true}\n\n',
  'data: not dispatched: the stream ends before the blank line',
]

const encoder = new TextEncoder()

function rawStream(): Response {
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = raw[i++]
      if (chunk === undefined) return controller.close()
      // A pause per chunk, so that the chunks travel apart rather than coalesced into one read.
      await new Promise((resolve) => setTimeout(resolve, 15))
      controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    },
  })
  return new Response(body, {
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform' },
  })
}

export function GET(request: Request) {
  return new URL(request.url).searchParams.get('source') === 'raw' ? rawStream() : handler(request)
}
