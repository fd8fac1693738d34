import {
  type EventFields,
  encodeEvent,
  encodeEventLine,
  encodeHead,
  encodeJSONEvent,
  type Pipeable,
  type RequestSource,
  type Sink,
  SSEError,
  toJSON,
} from '../core'
import { Context, isSource } from './context'
import { unwatch, watch } from './keep-alive'
import { Output, type OutputOwner } from './output'
import type { Settings } from './settings'
import type { Destructor, SendOptions, SSECallback, SSEContext } from './types'

/** Who registered a connection's cleanup; the first one registered wins. */
type CleanupSource = 'option' | 'context' | 'callback'

const SOURCE_NAMES: Record<CleanupSource, string> = {
  option: 'the onClose option',
  context: 'context.onClose',
  callback: 'the callback',
}

/**
 * The lifecycle of one SSE connection: runs the callback, ends once (the server's `close()`, or a
 * disconnect seen through `request.signal`, the body's `cancel()`, a failed write or an overflow),
 * runs the cleanup exactly once by the documented precedence, then the deferred work (channels
 * detaching), and reports every failure to `onError`. Writing is the {@link Output}'s job.
 *
 * The instance is also the request signal's `abort` listener (`handleEvent`) and the output's owner,
 * so an idle connection costs this object, its output and its context, and no closures beyond the
 * `send`/`close` the callback receives.
 */
export class Connection implements Pipeable, OutputOwner {
  readonly #output: Output
  readonly #settings: Settings
  readonly #request: Request | RequestSource
  #open = true
  #cleanup: Destructor | undefined
  #cleanupFrom: CleanupSource | undefined
  #cleanupRan = false
  #deferred: (() => void)[] | undefined
  #aborter: AbortController | undefined
  #waitUntil: ((work: Promise<unknown>) => void) | undefined

  constructor(settings: Settings, request: Request | RequestSource) {
    this.#settings = settings
    this.#request = request
    this.#output = new Output(this, settings.first, settings.maxBufferSize)
    if (settings.onClose) {
      this.#cleanup = settings.onClose
      this.#cleanupFrom = 'option'
    }
  }

  /** The response body. */
  get stream(): ReadableStream<Uint8Array> {
    return this.#output.stream
  }

  run<Args extends unknown[]>(callback: SSECallback<any, Args>, args: Args): void {
    // A source has no signal: the Node adapter that made it ends the connection itself.
    const signal = isSource(this.#request) ? undefined : this.#request.signal
    // Checked first: an aborted signal never fires `abort` again (Next and workerd hand these over).
    if (signal?.aborted) {
      this.disconnect()
      return
    }
    signal?.addEventListener('abort', this)
    if (this.#settings.keepAlive) watch(this.#settings.keepAlive, this.#output)
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
          (destructor) => this.setCleanup(destructor, 'callback'),
          (error) => this.#fail(error),
        ),
      )
    } else {
      this.setCleanup(result, 'callback')
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
      const head =
        options === undefined ? '' : typeof options === 'string' ? encodeEventLine(options) : encodeHead(options)
      const json = toJSON(data)
      this.#checkSize(json.length)
      text = encodeJSONEvent(head, json)
    } catch (error) {
      this.report(error)
      return false
    }
    return this.#output.write(text)
  }

  sendEvent(fields: EventFields): boolean {
    if (!this.#open) return false
    let text: string
    try {
      text = encodeEvent(fields)
      this.#checkSize(text.length)
    } catch (error) {
      this.report(error)
      return false
    }
    return this.#output.write(text)
  }

  /** Already-encoded wire text, from a channel (see `ConnectionHandle.write`). */
  write(text: string, bytes?: Uint8Array): boolean {
    return this.#open && this.#output.write(text, bytes)
  }

  /** Closes from the server side: what is buffered is still delivered, then the body ends. */
  close(): void {
    if (!this.#open) return
    this.#open = false
    this.#output.end('deliver')
    this.#finish()
  }

  /** The client is gone (or must go): drop what is buffered and end. */
  disconnect(): void {
    if (!this.#open) return
    this.#open = false
    this.#output.end('drop')
    this.#finish()
  }

  pipe(sink: Sink): void {
    this.#output.pipe(sink)
  }

  pull(): void {
    this.#output.pull()
  }

  defer(fn: () => void): void {
    if (!this.#open) this.#guard(fn)
    else if (this.#deferred) this.#deferred.push(fn)
    else this.#deferred = [fn]
  }

  setCleanup(destructor: unknown, from: CleanupSource): void {
    if (typeof destructor !== 'function') {
      // A callback may return anything (an async one returns a promise of nothing); only an explicit
      // registration of something that is not a function is a mistake worth reporting.
      if (destructor != null && from !== 'callback') {
        this.report(new TypeError(`onClose expects a function, got ${typeof destructor}.`))
      }
      return
    }
    if (this.#cleanupFrom !== undefined) {
      console.warn(
        `[use-next-sse] Cleanup from ${SOURCE_NAMES[from]} ignored: ${SOURCE_NAMES[this.#cleanupFrom]} registered one before (the first one registered wins).`,
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

  // OutputOwner ----------------------------------------------------------------------------------------

  gone(): void {
    this.disconnect()
  }

  overflow(error: SSEError): void {
    if (!this.#open) return
    this.report(error)
    this.#open = false
    this.#output.end('cut')
    this.#finish()
  }

  /** `abort` on the request's signal. */
  handleEvent(): void {
    this.disconnect()
  }

  // ----------------------------------------------------------------------------------------------------

  /**
   * One event that could never fit under the cap is refused on its own, before it is encoded: cutting
   * the connection instead would send the client back for the same event, forever.
   */
  #checkSize(size: number): void {
    if (size > this.#settings.maxBufferSize) {
      throw new SSEError(
        'EVENT_TOO_LARGE',
        `Event refused: its ${size} characters exceed maxBufferSize (${this.#settings.maxBufferSize}); the connection stays open.`,
      )
    }
  }

  #fail(error: unknown): void {
    this.report(new SSEError('CALLBACK_FAILED', 'The SSE callback threw; the stream was closed.', { cause: error }))
    this.close()
  }

  #finish(): void {
    if (this.#settings.keepAlive) unwatch(this.#settings.keepAlive, this.#output)
    if (!isSource(this.#request)) this.#request.signal?.removeEventListener('abort', this)
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
