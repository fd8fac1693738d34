// The answer route on the Edge runtime: the same relay (see _lib/relay.ts).
import { answerRoute } from '../../../_lib/relay'

export const runtime = 'edge'
export const dynamic = 'force-dynamic'

export const POST = answerRoute()
