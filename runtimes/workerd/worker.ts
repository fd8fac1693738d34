// The contract app as a Worker: `env` and `ctx` reach the SSE callbacks as `context.args`. Paths under
// /demo belong to the demo Worker (demo.ts), paths under /chat to the chat on a Durable Object (chat.ts,
// whose class is exported here for the binding), both served by `wrangler dev` from the top-level
// wrangler.toml.
import { handle } from '../contract/app'
import chat, { type ChatEnv } from './chat'
import demo from './demo'

export { ChatRoom } from './chat'

export default {
  fetch(request: Request, env: unknown, ctx: { waitUntil(promise: Promise<unknown>): void }) {
    const { pathname } = new URL(request.url)
    if (/^\/demo(\/|$)/.test(pathname)) return demo.fetch(request, env, ctx)
    if (/^\/chat\//.test(pathname)) return chat.fetch(request, env as ChatEnv)
    return handle(request, env, ctx)
  },
}
