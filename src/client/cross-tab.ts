import { SSEError } from '../core'
import { CLOSED, CONNECTING, type ReadyState } from './ready-state'
import { sharingKey } from './registry'
import { connect, type EventSourceInit, type SourceConnection, type SourceListener } from './source-connection'

/**
 * How a store opens a connection shared by every tab of this origin (`shareAcrossTabs`): the `open`
 * argument of `share()`. All the work is in ../tabs, loaded with a dynamic `import()` on first use, so
 * that a bundle that never sets the option carries only this function: the protocol where Web Locks and
 * BroadcastChannel exist, a connection of this tab's own where they do not. Until it arrives the
 * connection is `CONNECTING`. If it cannot be loaded (offline, or a deploy removed the chunk), the
 * connection closes with a `NETWORK` error, and a store's `reconnect()` tries again.
 *
 * @example
 * ```ts
 * const [connection, leave] = share(url, init, member, acrossTabs(url, init))
 * ```
 * @internal
 */
export function acrossTabs(url: string, init: EventSourceInit): (relay: SourceListener) => SourceConnection {
  return (relay) => {
    let leave: (() => void) | undefined
    const facade = {
      state: CONNECTING as ReadyState,
      error: null as SSEError | null,
      url,
      close() {
        facade.state = CLOSED
        leave?.()
      },
    }
    import('./tabs').then(
      (chunk) => {
        // Node's import() of the CommonJS build (dist/tabs.cjs) finds no named exports, only `default`:
        // esbuild writes no export hints for the neutral platform.
        const { joinTabs } = (chunk as { default?: typeof chunk }).default ?? chunk
        if (facade.state !== CLOSED) {
          leave = joinTabs({ url, init, relay, facade, connect, sharingKey, SSEError })
        }
      },
      (cause) => {
        if (facade.state === CLOSED) return
        facade.state = CLOSED
        facade.error = new SSEError('NETWORK', `Could not load use-next-sse's cross-tab code: ${cause}`, { cause })
        relay.onState(facade)
      },
    )
    return facade
  }
}
