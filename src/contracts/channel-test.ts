/**
 * "Send a test notification": the API runs this short workflow, whose one activity sends a test message to the
 * channel now and answers how it went. The API knows it by its contract alone (src/workflows/channel-test.ts).
 */
export const CHANNEL_TEST_WORKFLOW = 'channelTestWorkflow';

export interface ChannelTestInput {
  channelId: string;
  /** Who asked (an API key's name), shown in the message. */
  requestedBy: string;
}

/** Delivered, or the receiver's (or the network's) answer, as one attempt met it: a test is never retried. */
export type ChannelTestResult = { delivered: true } | { delivered: false; error: string };

export type ChannelTestWorkflow = (input: ChannelTestInput) => Promise<ChannelTestResult>;
