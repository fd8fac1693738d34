export {
  checkEvent,
  checkId,
  checkRetry,
  type EventFields,
  encodeEvent,
  encodeEventLine,
  encodeHead,
  encodeJSONEvent,
  encodePreamble,
  encodeStoredEvent,
  KEEP_ALIVE,
  SAMPLE_STREAM,
  toJSON,
} from './encode'
export { isSSEError, SSEError, type SSEErrorCode } from './errors'
export {
  type ConnectionHandle,
  type DirectConnection,
  type DirectServe,
  HANDLE,
  type HasHandle,
  type Pipeable,
  type RequestSource,
  SERVE,
  type Sink,
} from './handle'
export { LAST_EVENT_ID_PARAM } from './resume'
export type { Body, EventMap, EventName, EventsOf, HeadersLike, IsUntyped, SSEEvents } from './types'
