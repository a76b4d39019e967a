import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChannelTestInput, ChannelTestResult } from '../contracts/channel-test';

// One attempt: the caller waits for the answer, and a vendor's refusal is the answer. The activity's own deadline
// (10 s an HTTP attempt, two for PagerDuty and Opsgenie) fits inside this one.
const { sendTestNotification } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 1 } });

/** Sends a test notification to a channel now and answers how it went (src/contracts/channel-test.ts). */
export async function channelTestWorkflow(input: ChannelTestInput): Promise<ChannelTestResult> {
  return sendTestNotification(input);
}
