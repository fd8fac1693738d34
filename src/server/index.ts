export { createSSEHandler } from './handler'
export type {
  Destructor,
  SendFunction,
  SendOptions,
  SSECallback,
  SSEContext,
  SSEHandler,
  SSEHandlerOptions,
} from './types'
