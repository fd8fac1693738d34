import type { IconName } from './icon'

/** The demo pages, in the order of the seed README: the index and the navigation are made from this list. */
export interface Demo {
  href: string
  title: string
  /** The short name used in the navigation bar. */
  nav: string
  icon: IconName
  description: string
  /** The server routes the page reads, as `path · runtime`. */
  routes: string[]
}

export const demos: Demo[] = [
  {
    href: '/counter',
    title: 'Counter',
    nav: 'Counter',
    icon: 'clock',
    description:
      'The basic counter: ten events, one a second, then a graceful close. The same route on the Node.js and the Edge runtime, side by side.',
    routes: ['/api/sse · node', '/api/sse/edge · edge'],
  },
  {
    href: '/notifications',
    title: 'Notifications',
    nav: 'Notifications',
    icon: 'bell',
    description:
      'A notification service built on a channel. Post a notification and watch the bell’s unread badge, in every tab of the same user.',
    routes: ['/api/notifications · node'],
  },
  {
    href: '/dashboard',
    title: 'Metrics dashboard',
    nav: 'Dashboard',
    icon: 'chart',
    description:
      'Metrics pushed every five seconds, with reconnection (3 s apart, 10 attempts) and the connection state as a badge.',
    routes: ['/api/metrics · node'],
  },
  {
    href: '/export',
    title: 'Export progress',
    nav: 'Export',
    icon: 'download',
    description: 'A long export streamed as progress events: a real progress bar, records processed, completion.',
    routes: ['/api/export · node'],
  },
  {
    href: '/chat',
    title: 'Chat room',
    nav: 'Chat',
    icon: 'chat',
    description:
      'Rooms backed by channels (Redis when REDIS_URL is set). Other tabs see messages live; a reload resumes and shows what it missed, once.',
    routes: ['/api/chat/[roomId] · node'],
  },
  {
    href: '/sensors',
    title: 'Multi-sensor',
    nav: 'Sensors',
    icon: 'thermometer',
    description: 'Three hooks, three event names, one URL: the hooks share exactly one connection.',
    routes: ['/api/events · node'],
  },
  {
    href: '/tabs',
    title: 'One connection for every tab',
    nav: 'Tabs',
    icon: 'copy',
    description:
      'shareAcrossTabs: open the page in several tabs and the server still sees one connection. Close the leading tab and another takes over, resuming.',
    routes: ['/api/tabs · node'],
  },
  {
    href: '/answer',
    title: 'Streaming an answer',
    nav: 'Answer',
    icon: 'chat',
    description:
      'POST a prompt from the hook; the route relays a model’s tokens as they come. Stop aborts every hop, down to the model.',
    routes: ['POST /api/answer · node', 'POST /api/answer/edge · edge', 'POST /api/model · node'],
  },
  {
    href: '/lifecycle',
    title: 'Errors and closing',
    nav: 'Lifecycle',
    icon: 'power',
    description:
      'The README’s error-handling component: a graceful close told apart from an error, and a manual close.',
    routes: ['/api/lifecycle · node'],
  },
  {
    href: '/compare',
    title: 'Native vs ours',
    nav: 'Compare',
    icon: 'columns',
    description:
      'A tricky stream (CRLF, lone CR, unicode split mid-character, id resets, comments, retry) read by the browser’s EventSource and by ours.',
    routes: ['/api/compare · node'],
  },
]
