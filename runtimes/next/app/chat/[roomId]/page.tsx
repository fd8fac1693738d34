import { ChatRoom } from '../../_components/chat-room'
import { PageHeader } from '../../_components/page-header'
import { ROOM_ID } from '../../_lib/chat-types'

// Rendered per request: `renderedAt` tells the page which resumed messages were posted while it was away.
export const dynamic = 'force-dynamic'

export default async function ChatRoomPage({ params }: { params: Promise<{ roomId: string }> }) {
  const { roomId } = await params
  return (
    <>
      <PageHeader
        title="Chat room"
        lead={
          <>
            Messages are published to the room’s channel (POST) and arrive in every tab of the room as{' '}
            <code>message</code> events. This tab keeps its messages and the last event id in sessionStorage: after a
            reload it resumes from that id and shows what it missed, once. <a href="/chat">Other rooms</a>
          </>
        }
        routes={[`/api/chat/${roomId} · node`]}
      />
      {ROOM_ID.test(roomId) ? (
        <ChatRoom roomId={roomId} renderedAt={Date.now()} />
      ) : (
        <div className="alert alert-error">A room name is letters, digits, “-” and “_”, up to 40.</div>
      )}
    </>
  )
}
