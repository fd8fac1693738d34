export { createSSEHandler } from './handler'
export { watchedCount } from './keep-alive'
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
