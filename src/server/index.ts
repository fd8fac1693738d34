export { createSSEHandler } from './handler'
export { type NodeRequestLike, type NodeResponseLike, toNodeHandler, type WebHandler } from './node'
export type {
  Destructor,
  SendFunction,
  SendOptions,
  SSECallback,
  SSEContext,
  SSEHandler,
  SSEHandlerOptions,
} from './types'
