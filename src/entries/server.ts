/**
 * `use-next-sse/server`: everything that produces Server-Sent Events. Web APIs only (Streams, Request,
 * Response, TextEncoder, AbortSignal), no React, no `node:*`: the same code runs in Node, Next.js (node
 * and edge), Cloudflare Workers and any other Web-standard runtime.
 * @module
 */

export * from '../channels'
export { type EventFields, encodeEvent, isSSEError, SSEError, type SSEErrorCode } from '../core'
export * from '../server'
