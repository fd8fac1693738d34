/**
 * `use-next-sse/react`: the `useSSE` hook. The built file starts with `'use client'`.
 * @module
 */
export type { SSEConnectionState, SSEOptions } from '../client'
export { type SSEResult, useSSE } from './use-sse'
