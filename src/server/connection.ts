import {
  checkEvent,
  type EventFields,
  encodeEvent,
  encodeHead,
  HANDLE,
  type Pipeable,
  type Sink,
  SSEError,
  toJSON,
} from '../core'
import { type KeepAliveTarget, unwatch, watch } from './keep-alive'
import type { Destructor, SendOptions, SSECallback, SSEContext } from './types'

/** Handler options, validated once per handler rather than once per request. */
export interface Settings {
  first: string
  keepAlive: number | false
  maxBufferSize: number
  onClose: Destructor | undefined
  onError: (error: unknown) => void
}

const encoder = new TextEncoder()

/**
 * Pending text longer than this is encoded and set aside: a burst of 100k sends would otherwise build
 * one string from 100k pieces, which the garbage collector copies and promotes as it grows, and a
 * burst's cost per event would grow with its length.
 */
const SPILL = 64 * 1024

/*
 * Writes are coalesced: every connection written to in one synchronous turn is flushed by a single
 * microtask, one chunk per connection. Node 20's ReadableStream dequeues with Array#shift, so thousands
 * of small queued chunks cost quadratic time; one chunk per turn keeps a 100k-event burst linear.
 */
let dirty: Connection[] = []
function flushDirty(): void {
  const list = dirty
  dirty = []
  for (const connection of list) {
    connection.queued = false
    connection.flush()
  }
}

// `send(x, 'counter')` in a loop validates the same name every time: remember the last one checked.
let lastName = ''
let lastLine = ''
function eventLine(name: string): string {
  if (name !== lastName && name !== '') {
    lastLine = `event: ${checkEvent(name)}\n`
    lastName = name
  }
  return name === '' ? '' : lastLine
}

/** Header values are byte strings: a UTF-8 `Last-Event-ID` (browsers send one) arrives as Latin-1. */
function utf8(value: string | null): string | null {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find bytes outside ASCII and Latin-1.
  if (value === null || !/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(value, (c) => c.charCodeAt(0)))
  } catch {
    return value // not UTF-8 after all: keep what the client sent
  }
}

/**
 * One SSE connection: the stream's underlying source, its writer, and its lifecycle. The instance is
 * itself the stream's source (`start`/`pull`/`cancel`), the `abort` listener (`handleEvent`) and the
 * keep-alive target, so an idle connection costs one object and no closures beyond `send`/`close`.
 */
export class Connection implements KeepAliveTarget, Pipeable {
  /** Text waiting for the reader. */
  #buf: string
  /** `#buf` already encoded, when it came from one shared write (a channel's broadcast). */
  #bytes: Uint8Array | undefined
  /** Earlier parts of a long burst, encoded (see SPILL), and their size. */
  #parts: Uint8Array[] | undefined
  #spilled = 0
  #ctrl!: ReadableStreamDefaultController<Uint8Array>
  #sink: Sink | undefined
  /** The reader is waiting: the next flush may write. */
  #demand = false
  #open = true
  #cleanup: Destructor | undefined
  #cleanupFrom: string | undefined
  #cleanupRan = false
  #deferred: (() => void)[] | undefined
  #aborter: AbortController | undefined
  #waitUntil: ((work: Promise<unknown>) => void) | undefined
  readonly #settings: Settings
  readonly #request: Request
  queued = false
  wrote = true
  readonly stream: ReadableStream<Uint8Array>

  constructor(settings: Settings, request: Request) {
    this.#settings = settings
    this.#request = request
    this.#buf = settings.first
    this.#cleanup = settings.onClose
    if (settings.onClose) this.#cleanupFrom = 'the onClose option'
    // highWaterMark 0: pull() means a reader is waiting right now, so bytes stay in `#buf` (where they
    // coalesce) until someone reads, and a stalled reader is visible as a growing `#buf`.
    this.stream = new ReadableStream<Uint8Array>(this, { highWaterMark: 0 })
  }

  run<Args extends unknown[]>(callback: SSECallback<any, Args>, args: Args): void {
    const signal = this.#request.signal
    // Checked first: an aborted signal never fires `abort` again (Next and workerd hand these over).
    if (signal?.aborted) {
      this.disconnect()
      return
    }
    signal?.addEventListener('abort', this)
    if (this.#settings.keepAlive) watch(this.#settings.keepAlive, this)
    this.#waitUntil = waitUntilOf(args)

    let result: unknown
    try {
      result = callback(
        (data, options) => this.send(data, options),
        () => this.close(),
        new Context(this, this.#request, args) as unknown as SSEContext<Args>,
      )
    } catch (error) {
      this.#fail(error)
      return
    }
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      this.#extend(
        (result as PromiseLike<unknown>).then(
          (destructor) => this.setCleanup(destructor, 'the callback'),
          (error) => this.#fail(error),
        ),
      )
    } else {
      this.setCleanup(result, 'the callback')
    }
  }

  get open(): boolean {
    return this.#open
  }

  get signal(): AbortSignal {
    if (!this.#open) return AbortSignal.abort()
    this.#aborter ??= new AbortController()
    return this.#aborter.signal
  }

  send(data: unknown, options?: string | SendOptions): boolean {
    if (!this.#open) return false
    let text: string
    try {
      const head = options === undefined ? '' : typeof options === 'string' ? eventLine(options) : encodeHead(options)
      text = `${head}data: ${toJSON(data)}\n\n`
    } catch (error) {
      this.report(error)
      return false
    }
    return this.write(text)
  }

  sendEvent(fields: EventFields): boolean {
    if (!this.#open) return false
    let text: string
    try {
      text = encodeEvent(fields)
    } catch (error) {
      this.report(error)
      return false
    }
    return this.write(text)
  }

  write(text: string, bytes?: Uint8Array): boolean {
    if (!this.#open) return false
    this.wrote = true
    if (bytes && this.#demand && this.#buf === '' && !this.#parts) {
      // A broadcast's shared bytes, to a reader that is waiting with nothing pending: hand them over
      // now. Nothing is gained by waiting for the turn to end, and 10,000 connections skip the queue.
      this.#out(bytes)
      return this.#open
    }
    if (this.#buf === '') {
      this.#buf = text
      this.#bytes = bytes
    } else {
      this.#buf += text
      this.#bytes = undefined
      if (this.#buf.length > SPILL) {
        const part = encoder.encode(this.#buf)
        if (this.#parts) this.#parts.push(part)
        else this.#parts = [part]
        this.#spilled += part.length
        this.#buf = ''
      }
    }
    if (this.#demand) {
      if (!this.queued) {
        this.queued = true
        if (dirty.push(this) === 1) queueMicrotask(flushDirty)
      }
    } else if (this.#buf.length + this.#spilled > this.#settings.maxBufferSize) {
      this.report(
        new SSEError(
          'BUFFER_OVERFLOW',
          `Client too slow: over maxBufferSize (${this.#settings.maxBufferSize}) waiting; closed so that it reconnects.`,
        ),
      )
      this.disconnect()
      return false
    }
    return true
  }

  /** Writes what is pending if the reader is waiting. */
  flush(): void {
    if (this.#open && this.#demand) this.#emit()
  }

  keepAlive(): void {
    this.write(':\n\n')
    // The comment itself is not activity: counted as a write, it would make the next tick skip this
    // connection, and an idle stream would get a comment every other interval only.
    this.wrote = false
  }

  /** Closes from the server side: what is buffered is still delivered, then the body ends. */
  close(): void {
    if (!this.#open) return
    this.#open = false
    try {
      this.#emit()
      if (this.#sink) this.#sink.end()
      else this.#ctrl.close()
    } catch {
      // Already cancelled by the client: nothing left to deliver.
    }
    this.#finish()
  }

  /** The client is gone (or must go): drop what is buffered and end. */
  disconnect(): void {
    if (!this.#open) return
    this.#open = false
    try {
      if (this.#sink) this.#sink.end()
      else this.#ctrl.close()
    } catch {
      // close() throws once the stream is cancelled; the body is over either way.
    }
    this.#finish()
  }

  pipe(sink: Sink): void {
    this.#sink = sink
    this.pull()
  }

  defer(fn: () => void): void {
    if (!this.#open) this.#guard(fn)
    else if (this.#deferred) this.#deferred.push(fn)
    else this.#deferred = [fn]
  }

  setCleanup(destructor: unknown, from: string): void {
    if (typeof destructor !== 'function') {
      if (destructor != null && from !== 'the callback') {
        this.report(new TypeError(`onClose expects a function, got ${typeof destructor}.`))
      }
      return
    }
    if (this.#cleanupFrom !== undefined) {
      console.warn(
        `[use-next-sse] Cleanup from ${from} ignored: ${this.#cleanupFrom} registered one before (the first one registered wins).`,
      )
      return
    }
    this.#cleanup = destructor as Destructor
    this.#cleanupFrom = from
    // A destructor that arrives after the client left (an async callback resolving late) runs at once.
    if (!this.#open) this.#runCleanup()
  }

  report(error: unknown): void {
    try {
      this.#settings.onError(error)
    } catch (failure) {
      console.error('[use-next-sse] onError threw', error, failure)
    }
  }

  // ReadableStream underlying source -----------------------------------------------------------------

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#ctrl = controller
  }

  pull(): void {
    this.#demand = true
    this.flush()
  }

  cancel(): void {
    this.disconnect()
  }

  /** `abort` on the request's signal. */
  handleEvent(): void {
    this.disconnect()
  }

  // --------------------------------------------------------------------------------------------------

  /** Writes every pending part, then the pending text: as strings to a sink, as bytes to the stream. */
  #emit(): void {
    const parts = this.#parts
    if (parts) {
      this.#parts = undefined
      this.#spilled = 0
      for (const part of parts) this.#out(part)
    }
    if (this.#buf !== '') {
      const chunk = this.#bytes ?? (this.#sink ? this.#buf : encoder.encode(this.#buf))
      this.#buf = ''
      this.#bytes = undefined
      this.#out(chunk)
    }
  }

  #out(chunk: string | Uint8Array): void {
    if (this.#sink) {
      // false: Node buffered it, but wants no more until 'drain' (which calls pull()).
      this.#demand = this.#sink.write(chunk)
      return
    }
    this.#demand = false
    try {
      this.#ctrl.enqueue(chunk as Uint8Array)
    } catch {
      // The stream was cancelled or errored under us: that is a disconnect, not a failure to report.
      this.disconnect()
    }
  }

  #fail(error: unknown): void {
    this.report(new SSEError('CALLBACK_FAILED', 'The SSE callback threw; the stream was closed.', { cause: error }))
    this.close()
  }

  #finish(): void {
    this.#buf = ''
    this.#bytes = this.#parts = undefined
    if (this.#settings.keepAlive) unwatch(this.#settings.keepAlive, this)
    this.#request.signal?.removeEventListener('abort', this)
    this.#aborter?.abort()
    const deferred = this.#deferred
    this.#deferred = undefined
    if (deferred) for (const fn of deferred) this.#guard(fn)
    this.#runCleanup()
  }

  #runCleanup(): void {
    const cleanup = this.#cleanup
    if (cleanup === undefined || this.#cleanupRan) return
    this.#cleanupRan = true
    this.#cleanup = undefined
    this.#guard(cleanup)
  }

  /** Runs a cleanup; a throw or a rejection is reported, never left to crash the process. */
  #guard(fn: () => unknown): void {
    const fail = (error: unknown) =>
      this.report(new SSEError('CLEANUP_FAILED', 'An SSE cleanup function failed.', { cause: error }))
    try {
      const result = fn()
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        this.#extend((result as PromiseLike<unknown>).then(undefined, fail))
      }
    } catch (error) {
      fail(error)
    }
  }

  /**
   * Keeps async work of this connection (an async callback, an async cleanup) running after the
   * response: workerd (2026-04-26) cancels a request's pending timers and promises once its client
   * disconnects, so without `ctx.waitUntil` a late destructor never arrives and an async cleanup
   * stops at its first `await`.
   */
  #extend(work: PromiseLike<unknown>): void {
    try {
      this.#waitUntil?.(Promise.resolve(work))
    } catch {
      // Extending a lifetime is best effort and must never turn a close into a crash: if a runtime
      // refuses (workerd 2026-04-26 accepts it even from another request's context), the work still
      // runs as long as the request lives.
    }
  }
}

/** A Workers-style `ctx.waitUntil` (or Next's `event.waitUntil`) among the handler's extra arguments. */
function waitUntilOf(args: unknown[]): ((work: Promise<unknown>) => void) | undefined {
  for (const arg of args) {
    const waitUntil = (arg as { waitUntil?: unknown } | null)?.waitUntil
    if (typeof waitUntil === 'function') return (work) => waitUntil.call(arg, work)
  }
  return undefined
}

/** The callback's context. Methods are arrow properties because users destructure them. */
class Context<Args extends unknown[]> {
  readonly [HANDLE]: Connection
  readonly lastEventId: string | null
  readonly onClose: (destructor: Destructor) => void
  readonly sendEvent: (fields: EventFields) => boolean

  constructor(
    connection: Connection,
    readonly request: Request,
    readonly args: Args,
  ) {
    this[HANDLE] = connection
    this.lastEventId = utf8(request.headers.get('last-event-id'))
    this.onClose = (destructor) => connection.setCleanup(destructor, 'context.onClose')
    this.sendEvent = (fields) => connection.sendEvent(fields)
  }

  get signal(): AbortSignal {
    return this[HANDLE].signal
  }
}
