/**
 * The root entry as React Server Components see it (the `react-server` export condition: App Router
 * route handlers and server components). It holds the server API only, so importing
 * `use-next-sse` in a route handler never pulls React client code into the server bundle.
 * @module
 */
export * from './server'
