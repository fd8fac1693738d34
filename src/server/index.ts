export { type EventMap, LAST_EVENT_ID_PARAM, type SSEEvents } from '../core'
export { createSSEHandler } from './handler'
export type {
  CorsOptions,
  Destructor,
  SendFunction,
  SendOptions,
  SSECallback,
  SSEContext,
  SSEHandler,
  SSEHandlerOptions,
} from './types'
