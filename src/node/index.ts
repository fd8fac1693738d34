/**
 * `use-next-sse/node`: the explicit Node adapter, for `node:http`, Express and other `(req, res)`
 * servers.
 * @module
 */
export { type NodeRequestLike, type NodeResponseLike, toNodeHandler, type WebHandler } from '../server'
