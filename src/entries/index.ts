/**
 * The root entry, `use-next-sse`: the server API and the `useSSE` hook, as the original package
 * offered them. Route handlers and server components resolve the `react-server` condition instead
 * (./index.react-server.ts), which holds the server API only.
 *
 * Every file in src/entries/ is one entry point of the package, built to the dist/ file of the same
 * name (tsup.config.ts); the folders beside this one are the concerns they put together.
 * @module
 */
export * from '../react'
export * from './server'
