// The contract app as a Node.js-runtime route handler; `[route]` picks the scenario's route.
import { handle } from '../../../../../../contract/app'

export const runtime = 'nodejs'
export const dynamic = 'force-dynamic'
export const GET = handle
// HEAD and OPTIONS reach the handler too, as a user exports them for a cross-origin stream.
export const HEAD = handle
export const OPTIONS = handle
