export type { EventMap, SSEEvents } from '../core'
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
