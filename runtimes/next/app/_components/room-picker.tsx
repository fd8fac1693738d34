'use client'
import { type FormEvent, useState } from 'react'
import { ROOM_ID } from '../_lib/chat-types'

export function RoomPicker({ rooms }: { rooms: string[] }) {
  const [name, setName] = useState('')
  const valid = ROOM_ID.test(name)
  const join = (event: FormEvent) => {
    event.preventDefault()
    if (valid) window.location.assign(`/chat/${name}`)
  }
  return (
    <div className="stack">
      <div className="room-list">
        {rooms.map((room) => (
          <a className="chip" href={`/chat/${room}`} key={room}>
            # <code>{room}</code>
          </a>
        ))}
      </div>
      <form className="row" onSubmit={join}>
        <input
          type="text"
          aria-label="Room name"
          placeholder="or name a room…"
          value={name}
          onChange={(e) => setName(e.target.value.trim())}
        />
        <button type="submit" disabled={!valid}>
          Join
        </button>
      </form>
    </div>
  )
}
