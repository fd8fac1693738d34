/**
 * The chat demo on a Durable Object channel, served by `wrangler dev` from the top-level wrangler.toml
 * (worker.ts hands it every path under /chat): one `ChatRoom` object per room holds its subscribers and
 * its history, so every tab, on whichever isolate its requests land, sees every message.
 *
 *   GET  /chat/<room>            the page
 *   GET  /chat/<room>/events     the room's SSE stream (resumes after `Last-Event-ID` / `?lastEventId=`)
 *   POST /chat/<room>/messages   body `{ author, text }`; answers `{ id }`
 *   GET  /chat/<room>/stats      `{ subscribers }`
 *
 * The page keeps the messages it saw and the last id in localStorage: reloaded, it shows them and
 * resumes after that id, so it receives only what it missed.
 */
import { type ChannelNamespace, ChannelObject, channelOf } from 'use-next-sse/cloudflare'

export interface ChatMessage {
  author: string
  text: string
}

export class ChatRoom extends ChannelObject<ChatMessage> {
  // workerd sees a departed tab only at its next write: a short keep-alive frees it soon.
  protected override options = { maxEvents: 200, sse: { keepAlive: 1000 } }
}

export interface ChatEnv {
  CHAT: ChannelNamespace
}

const page = (room: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Chat: ${room}</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%234f46e5'/%3E%3C/svg%3E">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 640px; margin: 40px auto; padding: 0 20px; color: #1c2030; }
  .status { display: inline-block; border-radius: 999px; padding: 2px 10px; font-size: 13px; font-weight: 600; background: #eef0f3; }
  .status.open { background: #e8f7ee; color: #16a34a; }
  ol { padding-left: 20px; } form { display: flex; gap: 8px; } input[name=text] { flex: 1; }
</style>
</head>
<body>
<h1>Room ${room}</h1>
<p>A Durable Object holds this room. State: <span id="state" class="status">connecting</span></p>
<ol id="messages"></ol>
<form id="send"><input name="author" placeholder="name" size="8" required><input name="text" placeholder="message" required><button>Send</button></form>
<script>
  const key = 'chat:' + ${JSON.stringify(room)}
  const saved = JSON.parse(localStorage.getItem(key) || '{"messages":[],"lastEventId":null}')
  const list = document.getElementById('messages')
  const show = (m) => { const li = document.createElement('li'); li.textContent = m.author + ': ' + m.text; list.append(li) }
  saved.messages.forEach(show)
  const state = document.getElementById('state')
  const url = location.pathname.replace(/\\/$/, '') + '/events' + (saved.lastEventId ? '?lastEventId=' + encodeURIComponent(saved.lastEventId) : '')
  const source = new EventSource(url)
  source.onopen = () => { state.textContent = 'open'; state.className = 'status open' }
  source.onerror = () => { state.textContent = 'reconnecting'; state.className = 'status' }
  source.addEventListener('message', (event) => {
    const message = JSON.parse(event.data)
    saved.messages.push(message)
    saved.lastEventId = event.lastEventId
    localStorage.setItem(key, JSON.stringify(saved))
    show(message)
  })
  // History gone (the room trimmed it): start over from what the room still has.
  source.addEventListener('gap', () => { saved.messages = []; list.replaceChildren() })
  document.getElementById('send').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = new FormData(event.target)
    await fetch(location.pathname.replace(/\\/$/, '') + '/messages', {
      method: 'POST',
      body: JSON.stringify({ author: form.get('author'), text: form.get('text') }),
    })
    event.target.elements.text.value = ''
  })
</script>
</body>
</html>
`

export default {
  async fetch(request: Request, env: ChatEnv): Promise<Response> {
    const [, , room = '', action = ''] = new URL(request.url).pathname.split('/')
    if (!/^[\w-]{1,64}$/.test(room)) return new Response('Not found', { status: 404 })
    const channel = channelOf<ChatMessage>(env.CHAT, room)
    if (action === '' && request.method === 'GET') {
      return new Response(page(room), { headers: { 'Content-Type': 'text/html; charset=utf-8' } })
    }
    if (action === 'events') return channel.subscribe(request)
    if (action === 'stats') return Response.json({ subscribers: await channel.size() })
    if (action === 'messages' && request.method === 'POST') {
      const { author, text } = (await request.json()) as Partial<ChatMessage>
      if (typeof author !== 'string' || typeof text !== 'string' || text === '') {
        return Response.json({ error: 'author and text are required strings' }, { status: 400 })
      }
      return Response.json({ id: await channel.publish({ author: author.slice(0, 40), text: text.slice(0, 2000) }) })
    }
    return new Response('Not found', { status: 404 })
  },
}
