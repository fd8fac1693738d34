export { checkEvent, checkId, checkRetry, type EventFields, encodeEvent, encodeHead, toJSON } from './encode'
export { isSSEError, SSEError, type SSEErrorCode } from './errors'
export { type ConnectionHandle, HANDLE, type HasHandle, type Pipeable, type Sink } from './handle'
export type { Body, HeadersLike } from './types'
