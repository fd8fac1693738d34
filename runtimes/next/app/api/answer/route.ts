// The answer route on the Node.js runtime: relays the fake model's tokens (see _lib/relay.ts).
import { answerRoute } from '../../_lib/relay'

export const dynamic = 'force-dynamic'

export const POST = answerRoute()
