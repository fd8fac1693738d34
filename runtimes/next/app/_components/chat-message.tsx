import type { Message } from '../_lib/chat-types'

export function ChatMessage({ message, mine, missed }: { message: Message; mine: boolean; missed: boolean }) {
  const classes = ['message', mine && 'mine', missed && 'missed'].filter(Boolean).join(' ')
  return (
    <div className={classes} data-testid="message" data-missed={missed || undefined}>
      <div className="message-meta">
        <strong>{message.user}</strong>
        <time dateTime={new Date(message.timestamp).toISOString()}>
          {new Date(message.timestamp).toLocaleTimeString()}
        </time>
      </div>
      <div className="message-text" data-testid="message-text">
        {message.text}
      </div>
    </div>
  )
}
