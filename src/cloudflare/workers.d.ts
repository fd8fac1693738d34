/*
 * The part of `cloudflare:workers` this folder uses, for type-checking the library itself. It is not
 * shipped: a Worker project gets the real module's types from `@cloudflare/workers-types` (or `wrangler
 * types`), whose globals (`Request`, `Response`, ...) would clash with the DOM lib the rest of src/ is
 * checked against, so they cannot be loaded here.
 */
declare module 'cloudflare:workers' {
  /** A row of a SQLite-backed Durable Object's `ctx.storage.sql`. */
  type SqlValue = ArrayBuffer | string | number | null
  interface SqlCursor<T> {
    toArray(): T[]
    one(): T
  }
  /** `ctx.storage.sql` of a SQLite-backed Durable Object. */
  interface SqlStorage {
    exec<T extends Record<string, SqlValue>>(query: string, ...bindings: unknown[]): SqlCursor<T>
  }
  /** The base class of a Durable Object with RPC methods. */
  abstract class DurableObject<Env = unknown> {
    protected ctx: {
      readonly storage: { readonly sql: SqlStorage; transactionSync<T>(closure: () => T): T }
      blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>
    }
    protected env: Env
    constructor(ctx: unknown, env: Env)
    fetch?(request: Request): Response | Promise<Response>
  }
}
