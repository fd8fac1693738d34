import type { ReactNode } from 'react'
import { Nav } from './_components/nav'
import './globals.css'

// A plain object rather than next's `Metadata` type: importing next's types into the root type-check
// makes `NODE_ENV` a required key of every `process.env` in the repository (see next.config.ts).
export const metadata = {
  title: 'use-next-sse demo',
  description: 'Every example of the use-next-sse README, live: Server-Sent Events in Next.js.',
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <div className="site-header-inner">
            <a className="brand" href="/">
              <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
                <rect width="32" height="32" rx="8" fill="#4f46e5" />
                <path d="M8 20c4-8 12-8 16 0M11 16c3-4 7-4 10 0" stroke="#fff" strokeWidth="2.5" fill="none" />
                <circle cx="16" cy="22" r="2.5" fill="#fff" />
              </svg>
              use-next-sse <small>demo</small>
            </a>
            <Nav />
          </div>
        </header>
        <main className="page">{children}</main>
        <footer className="site-footer">
          Every page is one example of the use-next-sse README, served by <code>next start</code>. Channels live in
          memory unless <code>REDIS_URL</code> is set.
        </footer>
      </body>
    </html>
  )
}
