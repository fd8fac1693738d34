export type { Backplane, BackplaneEvent, HistoryResult, Retention } from './backplane'
export { createChannel } from './channel'
export type {
  AttachOptions,
  Channel,
  ChannelData,
  ChannelOptions,
  GapInfo,
  PublishFunction,
  PublishOptions,
} from './channel-types'
export { createMemoryBackplane, type MemoryBackplaneOptions } from './memory'
