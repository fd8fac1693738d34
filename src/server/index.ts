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
