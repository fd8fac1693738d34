/*
 * Web types spelled so that they resolve with @types/node alone (no DOM lib): a Node server project
 * with `lib: ["ES2022"]` must compile the declarations of every entry it imports.
 */

/** What `new Headers(...)` takes (the DOM's `HeadersInit`). */
export type HeadersLike = ConstructorParameters<typeof Headers>[0]

/** A request body (the DOM's `BodyInit`). */
export type Body = RequestInit['body']
