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
  // The hook's EventSource sends Last-Event-ID on its own reconnects; a page reload is a new EventSource,
  // so the page passes the id it saved as ?lastEventId=, used when the header is absent.
  const fromQuery = new URL(context.request.url).searchParams.get('lastEventId')
  room(roomId).attach(context, { lastEventId: context.lastEventId ?? fromQuery })
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
