// Server: app/api/chat/[roomId]/route.ts, as in the README, with the room's messages on a channel: it
// replays what a reconnecting client missed (after its Last-Event-ID), then sends live messages.
import { createSSEHandler } from 'use-next-sse'
import { type Message, ROOM_ID, room } from '../../../_lib/chat'

export const dynamic = 'force-dynamic'

interface RouteContext {
  params: Promise<{ roomId: string }>
}

// biome-ignore lint/correctness/noUnusedFunctionParameters: the README's signature
export const GET = createSSEHandler<{ message: Message }, [RouteContext]>(async (send, close, context) => {
  const { roomId } = await context.args[0].params
  if (!ROOM_ID.test(roomId)) return close()
  // context.lastEventId is the Last-Event-ID header of the hook's own reconnects or, when there is none,
  // the ?lastEventId= the page passes after a reload (the id it saved): the channel resumes from either.
  room(roomId).attach(context)
})

export async function POST(request: Request, { params }: RouteContext) {
  const { roomId } = await params
  const body = (await request.json().catch(() => null)) as { user?: unknown; text?: unknown } | null
  const user = typeof body?.user === 'string' ? body.user.trim().slice(0, 40) : ''
  const text = typeof body?.text === 'string' ? body.text.trim().slice(0, 2000) : ''
  if (!ROOM_ID.test(roomId) || !user || !text) {
    return Response.json(
      { error: 'Expected { user, text } and a room id of letters, digits, - or _.' },
      { status: 400 },
    )
  }
  const message: Message = { id: crypto.randomUUID(), user, text, timestamp: Date.now() }
  const eventId = await room(roomId).publish(message, { event: 'message' })
  return Response.json({ ...message, eventId })
}
