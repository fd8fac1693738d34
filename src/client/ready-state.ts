/*
 * The `readyState` values of the WHATWG `EventSource`: the one set of state constants of the client.
 * The connection, the registry, the store and `EventSource` all speak in them, so a state crossing a
 * boundary (to a store's `connectionState`, or to another tab) is never translated twice.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#dom-eventsource-readystate
 */

/** Connecting, or waiting to reconnect. @internal */
export const CONNECTING = 0
/** Open: events are being dispatched. @internal */
export const OPEN = 1
/** Closed for good: failed, given up, or closed by its user. Nothing more happens. @internal */
export const CLOSED = 2

/** One of {@link CONNECTING}, {@link OPEN}, {@link CLOSED}. @internal */
export type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED
