import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** An event as a conformant EventSource would see it, read with an independent parser (the oracle). */
export interface SeenEvent {
  type: string
  data: string
  id: string | undefined
}

/**
 * Reads an SSE body incrementally with eventsource-parser, so server tests never depend on the
 * library's own client. `next()` resolves with the next event; `comments` collects comment lines.
 */
export function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader()
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  const events: SeenEvent[] = []
  const comments: string[] = []
  const chunks: Uint8Array[] = []
  let done = false
  const parser = createParser({
    onEvent: (e: EventSourceMessage) => events.push({ type: e.event ?? 'message', data: e.data, id: e.id }),
    onComment: (c) => comments.push(c),
    onRetry: () => {},
  })
  let taken = 0

  async function pump(): Promise<boolean> {
    if (done) return false
    const { done: end, value } = await reader.read()
    if (end) {
      done = true
      return false
    }
    chunks.push(value)
    parser.feed(decoder.decode(value, { stream: true }))
    return true
  }

  return {
    events,
    comments,
    chunks,
    get done() {
      return done
    },
    /** The next event not yet taken; rejects if the body ends first. */
    async next(): Promise<SeenEvent> {
      while (taken >= events.length) {
        if (!(await pump())) throw new Error(`stream ended after ${events.length} events`)
      }
      return events[taken++] as SeenEvent
    },
    /** Reads until the body ends; resolves with every event. */
    async rest(): Promise<SeenEvent[]> {
      while (await pump()) {}
      return events
    },
    /**
     * Reads until `check()` holds; fails if the body ends first. Never loop on `pump()` alone: once the
     * body has ended it resolves at once, and a loop of microtasks starves every timer, the test's
     * timeout included, so the run would spin forever instead of failing.
     */
    async readUntil(check: () => boolean): Promise<void> {
      while (!check()) {
        if (!(await pump())) throw new Error(`stream ended after ${events.length} events`)
      }
    },
    /** Reads one more chunk (or the end); resolves false at the end. */
    pump,
    cancel: (reason?: unknown) => reader.cancel(reason),
    text: () => new TextDecoder().decode(concat(chunks)),
  }
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/** Every event of a complete body, read with the oracle parser. */
export async function eventsOf(body: string | ReadableStream<Uint8Array>): Promise<SeenEvent[]> {
  if (typeof body !== 'string') return sseReader(body).rest()
  const events: SeenEvent[] = []
  const parser = createParser({
    onEvent: (e) => events.push({ type: e.event ?? 'message', data: e.data, id: e.id }),
  })
  parser.feed(body)
  return events
}

/** The next `n` events, read one after another (concurrent reads would wait for chunks that never come). */
export async function take(reader: ReturnType<typeof sseReader>, n: number): Promise<SeenEvent[]> {
  const out: SeenEvent[] = []
  for (let i = 0; i < n; i++) out.push(await reader.next())
  return out
}
