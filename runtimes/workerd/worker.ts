// The contract app as a Worker: `env` and `ctx` reach the SSE callbacks as `context.args`. Paths under
// /demo belong to the demo Worker (demo.ts), which `wrangler dev` serves from the top-level wrangler.toml.
import { handle } from '../contract/app'
import demo from './demo'

export default {
  fetch: (request: Request, env: unknown, ctx: { waitUntil(promise: Promise<unknown>): void }) =>
    /^\/demo(\/|$)/.test(new URL(request.url).pathname) ? demo.fetch(request, env, ctx) : handle(request, env, ctx),
}
