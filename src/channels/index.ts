export type { Backplane, BackplaneEvent, HistoryResult, Retention } from './backplane'
export {
  type AttachOptions,
  type Channel,
  type ChannelData,
  type ChannelOptions,
  createChannel,
  type GapInfo,
  type PublishFunction,
  type PublishOptions,
} from './channel'
export { createMemoryBackplane, type MemoryBackplaneOptions } from './memory'
