/*
 * Web types spelled so that they resolve with @types/node alone (no DOM lib): a Node server project
 * with `lib: ["ES2022"]` must compile the declarations of every entry it imports.
 */

/** What `new Headers(...)` takes (the DOM's `HeadersInit`). */
export type HeadersLike = ConstructorParameters<typeof Headers>[0]

/** A request body (the DOM's `BodyInit`). */
export type Body = RequestInit['body']

/**
 * Event names and the data each one carries, the shape that types both ends of a stream.
 *
 * @example
 * ```ts
 * type Feed = { counter: { count: number }; done: null }
 * export const GET = createSSEHandler<Feed>((send) => send({ count: 1 }, 'counter'))
 * ```
 */
export type EventMap = Record<string, unknown>

/**
 * An event map as a type argument where a data type is also accepted (`createChannel<T>`, `useSSE<T>`):
 * `SSEEvents<Feed>` says "these are events", `Feed` alone says "this is the data". A route handler made by
 * `createSSEHandler<Feed>` carries the same mark, so `useSSE<typeof GET>` works too. Types only: the
 * property never exists at run time.
 *
 * @example
 * ```ts
 * const feed = createChannel<SSEEvents<{ message: Message; typing: { user: string } }>>({ name: 'room' })
 * feed.publish({ user: 'ada' }, { event: 'typing' })
 * ```
 */
export interface SSEEvents<Events extends EventMap> {
  /** Type-level only. A string key (not a symbol) so that two copies of the declarations still agree. */
  readonly '~events'?: Events
}

/** `true` for `any` and `unknown`: no event map, every name and any data. @internal */
export type IsUntyped<T> = 0 extends 1 & T ? true : unknown extends T ? true : false

/** The event map `T` carries (`SSEEvents<M>`, or a typed handler), or `never` when `T` is a plain data type. @internal */
export type EventsOf<T> =
  IsUntyped<T> extends true
    ? never
    : '~events' extends keyof T
      ? NonNullable<T[Extract<'~events', keyof T>]> extends infer E extends EventMap
        ? E
        : never
      : never

/** The names of an event map, as strings. @internal */
export type EventName<E> = keyof E & string
