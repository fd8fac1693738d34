import { KEEP_ALIVE, type Sink, SSEError } from '../core'
import type { KeepAliveTarget } from './keep-alive'

/** What an {@link Output} tells the connection that owns it. */
export interface OutputOwner {
  /** The client is gone (the stream was cancelled or errored under us): end without delivering. */
  gone(): void
  /** More than `maxBufferSize` waits for the client: report `error` and cut the connection. */
  overflow(error: SSEError): void
}

const encoder = new TextEncoder()

/**
 * Pending text longer than this is set aside as a finished piece: a burst of 100k sends would otherwise
 * build one string from 100k pieces, which the garbage collector copies and promotes as it grows, and
 * a burst's cost per event would grow with its length.
 */
const SPILL = 64 * 1024

/**
 * The bytes of one connection on their way to the client: the only place that knows what is pending,
 * how much, and where it goes.
 *
 * - **Coalescing.** Writes are held until the end of the synchronous turn, then every output written to
 *   in that turn is flushed by one microtask, one chunk per output (plus the shared byte pieces a
 *   channel handed over, written as they are). Node 20's `ReadableStream` dequeues with `Array#shift`,
 *   so thousands of small queued chunks cost quadratic time; one chunk per turn keeps a 100k-event
 *   burst linear, and 1,000 channel events in a turn cost one write per connection, not 1,000.
 * - **Demand.** The stream has `highWaterMark: 0`: `pull()` means a reader is waiting right now, so bytes
 *   stay here (where they coalesce) until someone reads, and a stalled reader shows as a growing buffer.
 *   A Node sink (the adapter's zero-copy path) takes strings as they are and signals demand through
 *   `write()`'s result and `drain`.
 * - **The cap.** Everything the client has not accepted counts against `maxBufferSize`: what waits here
 *   and what the sink still holds (Node's socket buffer). It is checked on every write, whether or not
 *   the reader is waiting, so a burst in one turn cannot slip past it.
 * - **Keep-alive.** It is the keep-alive target: a tick writes a comment only if nothing was written
 *   since the last tick.
 */
export class Output implements KeepAliveTarget {
  /** Text written since the last flush or spill. */
  #text: string
  /** Finished pieces ahead of `#text`, in order: spilled text, and channels' shared bytes. */
  #parts: (string | Uint8Array)[] | undefined
  /** The size of `#parts` (code units of text, bytes of bytes). */
  #partsSize = 0
  #ctrl: ReadableStreamDefaultController<Uint8Array> | undefined
  #sink: Sink | undefined
  /** The reader is waiting: the next flush may write. */
  #demand = false
  /** In this turn's flush list. */
  #queued = false
  /** Something was written since the last keep-alive tick. */
  #active = true
  #ended = false
  readonly #max: number
  readonly #owner: OutputOwner
  #stream: ReadableStream<Uint8Array> | undefined

  /** Outputs written to in this turn, flushed together by one microtask. */
  static #dirty: Output[] = []

  static #flushDirty(): void {
    const list = Output.#dirty
    Output.#dirty = []
    for (const output of list) {
      output.#queued = false
      if (output.#demand) output.#emit()
    }
  }

  constructor(owner: OutputOwner, first: string, max: number) {
    this.#owner = owner
    this.#text = first
    this.#max = max
  }

  /**
   * The body as a Web stream, made on first use: a connection piped to a Node sink from the start never
   * needs one (about 2 kB per idle connection). Ask for it before anything can end the output.
   */
  get stream(): ReadableStream<Uint8Array> {
    // The output is itself the stream's underlying source (start/pull/cancel): no closures per connection.
    this.#stream ??= new ReadableStream<Uint8Array>(this, { highWaterMark: 0 })
    return this.#stream
  }

  /**
   * Appends wire text (and, from a channel, the same text already encoded, shared by every connection).
   * Returns false when the output has ended or the cap was crossed (the owner was told).
   */
  write(text: string, bytes?: Uint8Array): boolean {
    if (this.#ended) return false
    this.#active = true
    if (bytes !== undefined && this.#demand && this.#text === '' && this.#parts === undefined && !this.#sink) {
      // A channel's shared bytes to a reader that is waiting, with nothing ahead of them: they go out
      // now, as they are. Deferring them to the end of the turn would coalesce nothing (the channel
      // already gathered the turn's events into them) and cost a fan-out to 1,000 readers half again
      // the time of enqueueing by hand. Later writes of this turn wait for the next pull, as usual.
      this.#demand = false
      try {
        this.#ctrl!.enqueue(bytes)
      } catch {
        this.#owner.gone()
        return false
      }
      return true
    }
    if (bytes !== undefined) {
      // Shared bytes stay shared: the pending text goes ahead of them as a piece of its own.
      if (this.#text !== '') this.#spill()
      this.#piece(bytes, bytes.length)
    } else if (this.#text === '') {
      this.#text = text
    } else {
      this.#text += text
      if (this.#text.length > SPILL) this.#spill()
    }
    if (this.pending > this.#max) {
      this.#owner.overflow(
        new SSEError(
          'BUFFER_OVERFLOW',
          `Client too slow: over maxBufferSize (${this.#max}) waiting; closed so that it reconnects.`,
        ),
      )
      return false
    }
    if (this.#demand && !this.#queued) {
      this.#queued = true
      if (Output.#dirty.push(this) === 1) queueMicrotask(Output.#flushDirty)
    }
    return true
  }

  // ReadableStream underlying source ---------------------------------------------------------------

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#ctrl = controller
  }

  cancel(): void {
    this.#owner.gone()
  }

  // --------------------------------------------------------------------------------------------------

  /** What the client has not accepted yet: what waits here plus what the sink still buffers. */
  get pending(): number {
    return this.#text.length + this.#partsSize + (this.#sink?.pending?.() ?? 0)
  }

  /** The reader is ready for more (the stream's `pull`, or the sink's `drain`): write what waits. */
  pull(): void {
    this.#demand = true
    if (!this.#ended) this.#emit()
  }

  /** From now on, writes go to `sink` instead of the stream, starting with what is pending. */
  pipe(sink: Sink): void {
    this.#sink = sink
    this.pull()
  }

  /** A keep-alive tick: a comment on a connection that wrote nothing since the last tick. */
  tick(): void {
    if (this.#active) this.#active = false
    else {
      this.write(KEEP_ALIVE)
      // The comment itself is not activity: counted as a write, it would make the next tick skip this
      // connection, and an idle stream would get a comment every other interval only.
      this.#active = false
    }
  }

  /**
   * Ends the body. `deliver`: what is pending is written first (the server closed). `drop`: it is
   * discarded (the client is gone). `cut`: discarded, and the transport is torn down rather than ended,
   * so a client that stopped reading cannot keep the socket and its buffers (a graceful end would wait
   * for it to read).
   */
  end(how: 'deliver' | 'drop' | 'cut'): void {
    if (this.#ended) return
    this.#ended = true
    try {
      if (how === 'deliver') this.#emit()
      const sink = this.#sink
      if (sink) {
        if (how === 'cut' && sink.destroy) sink.destroy()
        else sink.end()
      } else if (how === 'cut') {
        this.#ctrl?.error(new SSEError('BUFFER_OVERFLOW', 'The client was cut off.'))
      } else this.#ctrl?.close()
    } catch {
      // The client cancelled the stream already (close() and error() then throw): it is over either way.
    }
    this.#text = ''
    this.#parts = undefined
    this.#partsSize = 0
  }

  #piece(piece: string | Uint8Array, size: number): void {
    if (this.#parts) this.#parts.push(piece)
    else this.#parts = [piece]
    this.#partsSize += size
  }

  /** Sets the pending text aside as a piece: as it is for a sink (Node encodes natively), encoded for the stream. */
  #spill(): void {
    const text = this.#text
    this.#text = ''
    this.#piece(this.#sink ? text : encoder.encode(text), text.length)
  }

  /** Writes every piece, then the pending text. */
  #emit(): void {
    const parts = this.#parts
    const text = this.#text
    if (parts === undefined && text === '') return
    this.#parts = undefined
    this.#partsSize = 0
    this.#text = ''
    const sink = this.#sink
    if (sink) {
      // One syscall for the whole turn where the sink can batch (Node's cork/uncork: writev).
      const batch = parts !== undefined && sink.cork !== undefined
      if (batch) sink.cork!()
      let more = true
      if (parts) for (const part of parts) more = sink.write(part)
      if (text !== '') more = sink.write(text)
      if (batch) sink.uncork!()
      // false: Node buffered it, but wants no more until 'drain' (which calls pull()).
      this.#demand = more
      return
    }
    this.#demand = false
    try {
      if (parts) for (const part of parts) this.#ctrl!.enqueue(typeof part === 'string' ? encoder.encode(part) : part)
      if (text !== '') this.#ctrl!.enqueue(encoder.encode(text))
    } catch {
      // The stream was cancelled or errored under us: that is a disconnect, not a failure to report.
      this.#owner.gone()
    }
  }
}
