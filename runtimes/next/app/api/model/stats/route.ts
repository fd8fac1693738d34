// What the fake model did for one request (`?id=`): tokens produced, produced after the stop, aborted.
import { runOf } from '../../../_lib/model'

export const dynamic = 'force-dynamic'

export function GET(request: Request) {
  const id = new URL(request.url).searchParams.get('id') ?? ''
  return Response.json(runOf(id))
}
