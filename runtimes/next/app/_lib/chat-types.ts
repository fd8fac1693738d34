/** What the chat's route and page share (kept apart from lib/chat.ts, which loads the Redis client). */
export interface Message {
  id: string
  user: string
  text: string
  timestamp: number
}

/** A room id: letters, digits, `-` and `_`. */
export const ROOM_ID = /^[\w-]{1,40}$/
