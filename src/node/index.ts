/**
 * `use-next-sse/node`: the explicit Node adapter, for `node:http`, Express and other `(req, res)`
 * servers. `createSSEHandler` loads it by itself when Next hands a Pages Router API route Node's
 * `(req, res)`.
 * @module
 */
export { toNodeHandler } from './serve'
export type { NodeRequestLike, NodeResponseLike, WebHandler } from './types'
