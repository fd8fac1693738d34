import { type EventFields, HANDLE, LAST_EVENT_ID_PARAM, type RequestSource } from '../core'
import type { Connection } from './connection'
import type { Destructor } from './types'

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

/** Whether `request` is the Node adapter's source rather than a Web `Request` (of whichever realm). */
export function isSource(request: Request | RequestSource): request is RequestSource {
  return typeof (request as Partial<RequestSource>).toRequest === 'function'
}

/**
 * The callback's third argument (`SSEContext`). Users destructure it (`{ onClose, signal }`), so its
 * functions are made on first access and kept: a connection that never asks for them costs no closure.
 */
export class Context<Args extends unknown[]> {
  readonly [HANDLE]: Connection
  readonly args: Args
  /** A Web `Request`, or (from the Node adapter) a source that makes one only when asked. */
  readonly #source: Request | RequestSource
  #onClose: ((destructor: Destructor) => void) | undefined
  #sendEvent: ((fields: EventFields) => boolean) | undefined

  constructor(connection: Connection, source: Request | RequestSource, args: Args) {
    this[HANDLE] = connection
    this.#source = source
    this.args = args
  }

  get request(): Request {
    const source = this.#source
    return isSource(source) ? source.toRequest() : source
  }

  get lastEventId(): string | null {
    const source = this.#source
    const header = isSource(source) ? source.header('last-event-id') : source.headers.get('last-event-id')
    if (header !== null) return utf8(header)
    // Cheap test first: most requests have no query at all.
    if (!source.url.includes(LAST_EVENT_ID_PARAM)) return null
    return new URL(source.url).searchParams.get(LAST_EVENT_ID_PARAM)
  }

  get onClose(): (destructor: Destructor) => void {
    const connection = this[HANDLE]
    this.#onClose ??= (destructor) => connection.setCleanup(destructor, 'context')
    return this.#onClose
  }

  get sendEvent(): (fields: EventFields) => boolean {
    const connection = this[HANDLE]
    this.#sendEvent ??= (fields) => connection.sendEvent(fields)
    return this.#sendEvent
  }

  get signal(): AbortSignal {
    return this[HANDLE].signal
  }
}
