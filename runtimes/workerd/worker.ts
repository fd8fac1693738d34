// The contract app as a Worker: `env` and `ctx` reach the SSE callbacks as `context.args`.
import { handle } from '../../tests/contract/app'

export default {
  fetch: (request: Request, env: unknown, ctx: unknown) => handle(request, env, ctx),
}
