import { PageHeader } from '../_components/page-header'
import { RoomPicker } from '../_components/room-picker'
import { ServerPulse } from '../_components/server-pulse'

export default function ChatIndexPage() {
  return (
    <>
      <PageHeader
        title="Chat rooms"
        lead={
          <>
            Each room is a channel, made on first use. Open a room in two tabs, post in one, watch the other; reload a
            tab after posting from the other one: it shows what it missed, exactly once.
          </>
        }
        routes={['/api/chat/[roomId] · node']}
      />
      <section className="card">
        <div className="card-head">
          <h2>Pick a room</h2>
        </div>
        <RoomPicker rooms={['lobby', 'random', 'release-planning']} />
        <ServerPulse />
      </section>
    </>
  )
}
