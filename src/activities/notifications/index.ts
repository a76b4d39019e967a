import { ApplicationFailure, Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { SecretBox } from '../../codec/secrets';
import { finishDeliveryAttempt, startDeliveryAttempt } from '../../db/deliveries';
import { readChannel } from '../../db/escalation';
import type { ChannelTestInput, ChannelTestResult } from '../../contracts/channel-test';
import { CHANNEL_KINDS_MIRRORING_STATE, type ChannelKind } from '../../domain/escalation';
import { NOTIFICATION_RETRY, retryDelayMs, type Notification } from '../../domain/incident';
import type { AddressGuard } from '../probes/address-guard';
import type { Mailer } from './email';
import { DeliveryError } from './errors';
import { sendNotification } from './send';

export interface NotificationActivityDeps {
  pool: Pool;
  guard: AddressGuard;
  mailer: Mailer;
  /** Opens the channels' sealed settings. */
  secrets: SecretBox;
}

export interface DeliverNotificationInput {
  /** The channel as the incident's policy snapshot names it; its settings are read now, as they stand. */
  channel: { id: string; name: string; kind: ChannelKind };
  notification: Notification;
}

export function createNotificationActivities({ pool, guard, mailer, secrets }: NotificationActivityDeps) {
  return {
    /**
     * Delivers one notification to one channel: one attempt per activity attempt, each recorded (attempts, last error)
     * in `notification_deliveries`. A failure that another attempt may cure is retried after a jittered backoff (or
     * the receiver's Retry-After, capped); one that cannot (a refused address, a 4xx, a deleted channel) fails at
     * once. Delivered once per delivery id as far as this side can tell: an attempt that finds it delivered sends
     * nothing.
     */
    async deliverNotification({ channel: named, notification: n }: DeliverNotificationInput): Promise<void> {
      const ctx = Context.current();
      const { attempt } = ctx.info;
      const maxAttempts = ctx.info.retryPolicy?.maximumAttempts || NOTIFICATION_RETRY.attempts;
      const channel = await readChannel(pool, secrets, named.id);
      const { alreadyDelivered } = await startDeliveryAttempt(pool, {
        id: n.deliveryId,
        incidentId: n.incident.id,
        channelId: named.id,
        channelName: channel?.name ?? named.name,
        channelKind: channel?.kind ?? named.kind,
        kind: n.kind,
        attempt,
      });
      if (alreadyDelivered) return;
      try {
        if (!channel) throw new DeliveryError(`channel ${named.id} (${named.name}) was deleted`, false);
        await sendNotification(channel.config, n, { guard, mailer, signal: ctx.cancellationSignal });
      } catch (err) {
        const failure = err instanceof DeliveryError ? err : new DeliveryError(String((err as Error)?.message ?? err), true);
        const final = !failure.retryable || attempt >= maxAttempts;
        await finishDeliveryAttempt(pool, n.deliveryId, { delivered: false, error: failure.message, final });
        if (!failure.retryable) throw ApplicationFailure.nonRetryable(failure.message, 'DeliveryRefused');
        const backoff = retryDelayMs(attempt, Math.random());
        throw ApplicationFailure.create({
          message: failure.message,
          type: 'DeliveryFailed',
          nextRetryDelay: Math.min(NOTIFICATION_RETRY.maximumMs, Math.max(backoff, failure.retryAfterMs ?? 0)),
        });
      }
      await finishDeliveryAttempt(pool, n.deliveryId, { delivered: true });
    },

    /**
     * Sends a test notification to a channel now, once, and answers how it went: delivered, or what the receiver (or
     * the network) said. Channels that keep an incident of their own (PagerDuty, Opsgenie) get the test's resolution
     * right after, so no test incident is left open there. Nothing is recorded: it belongs to no incident.
     */
    async sendTestNotification({ channelId, requestedBy }: ChannelTestInput): Promise<ChannelTestResult> {
      const channel = await readChannel(pool, secrets, channelId);
      if (!channel) return { delivered: false, error: `channel ${channelId} was deleted` };
      const id = `test-${randomUUID()}`;
      const test = (kind: 'test' | 'resolved'): Notification => ({
        deliveryId: `${id}-${kind}`,
        kind,
        at: Date.now(),
        incident: {
          id,
          targetId: 'none',
          targetName: channel.name,
          state: kind === 'test' ? 'triggered' : 'resolved',
          reason: `a test notification, asked for by ${requestedBy}`,
          openedAt: new Date().toISOString(),
        },
      });
      const via = { guard, mailer, signal: Context.current().cancellationSignal };
      try {
        await sendNotification(channel.config, test('test'), via);
        if (CHANNEL_KINDS_MIRRORING_STATE.includes(channel.kind)) await sendNotification(channel.config, test('resolved'), via);
        return { delivered: true };
      } catch (err) {
        return { delivered: false, error: (err as Error).message };
      }
    },
  };
}
