/**
 * The root entry, `use-next-sse`: the server API and the `useSSE` hook, as the original package
 * offered them. Route handlers and server components resolve the `react-server` condition instead
 * (src/index.react-server.ts), which holds the server API only.
 * @module
 */
export * from './react'
export * from './server'
