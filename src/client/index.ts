/**
 * `use-next-sse/client`: Server-Sent Events in any JavaScript runtime, without React. A spec-exact
 * streaming parser (`createParser`, `ParserStream`), an `EventSource` built on `fetch` with headers,
 * POST and a reconnect policy, and `createSSEStore`, the shared, reference-counted subscription that
 * `useSSE` is built on. Web APIs only.
 * @module
 */
export { isSSEError, LAST_EVENT_ID_PARAM, SSEError, type SSEErrorCode, type SSEEvents } from '../core'
export { backoff, type ReconnectFunction, type ReconnectPolicy } from './backoff'
export {
  EventSource,
  type EventSourceEventMap,
  type EventSourceInit,
  type SSEErrorEvent,
  type SSEMessageEvent,
} from './event-source'
export { type EventsInit, events } from './events'
export type { SSEConnectionState, SSEData, SSEEventName, SSEOptions, SSESnapshot } from './options'
export { createParser, type ParsedEvent, type Parser, type ParserOptions } from './parser'
export type { SchemaIssue, SchemaOutput, StandardSchema } from './schema'
export { createSSEStore, type SSEStore } from './store'
export { ParserStream } from './stream'
