/**
 * `use-next-sse/cloudflare`: channels on Cloudflare Durable Objects, so that fan-out and resume work
 * across Worker isolates. Workers only (it imports `cloudflare:workers`); no React, no `node:*`.
 * @module
 */
export {
  type ChannelNamespace,
  ChannelObject,
  type ChannelObjectOptions,
  channelOf,
  type RemoteChannel,
} from '../cloudflare'
