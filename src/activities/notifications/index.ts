import { ApplicationFailure, Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { SecretBox } from '../../codec/secrets';
import { finishDeliveryAttempt, startDeliveryAttempt } from '../../db/deliveries';
import { readChannel } from '../../db/escalation';
import { findUser } from '../../db/users';
import type { ChannelTestInput, ChannelTestResult } from '../../contracts/channel-test';
import { CHANNEL_KINDS_MIRRORING_STATE, type ChannelKind } from '../../domain/escalation';
import { NOTIFICATION_RETRY, retryDelayMs, type Notification } from '../../domain/incident';
import type { PersonContact } from '../../domain/paging';
import type { AddressGuard } from '../probes/address-guard';
import type { Mailer } from './email';
import { DeliveryError } from './errors';
import type { Sending } from './http';
import { sendNotification, sendToContactMethod } from './send';

export interface NotificationActivityDeps {
  pool: Pool;
  guard: AddressGuard;
  mailer: Mailer;
  /** Opens the channels' sealed settings. */
  secrets: SecretBox;
}

/** To a channel of the policy, or to one of a paged person's contact methods. */
export type DeliverNotificationInput = (
  | {
      /** The channel as the incident's policy snapshot names it; its settings are read now, as they stand. */
      channel: { id: string; name: string; kind: ChannelKind };
    }
  | {
      /** The person's contact method, by name; its address is read now, as it stands. */
      contact: PersonContact;
    }
) & { notification: Notification };

/** Where one delivery goes, as its record names it, and how to send to it (undefined: gone, `gone` says why). */
interface Recipient {
  id: string;
  name: string;
  kind: ChannelKind;
  send?: (n: Notification, via: Sending & { mailer: Mailer }) => Promise<void>;
  gone: string;
}

export function createNotificationActivities({ pool, guard, mailer, secrets }: NotificationActivityDeps) {
  const channelRecipient = async (named: { id: string; name: string; kind: ChannelKind }): Promise<Recipient> => {
    const channel = await readChannel(pool, secrets, named.id);
    return {
      id: named.id,
      name: channel?.name ?? named.name,
      kind: channel?.kind ?? named.kind,
      ...(channel ? { send: (n, via) => sendNotification(channel.config, n, via) } : {}),
      gone: `channel ${named.id} (${named.name}) was deleted`,
    };
  };

  /** A person's delivery is recorded under their user id, named "<person>: <contact method>". */
  const contactRecipient = async (contact: PersonContact): Promise<Recipient> => {
    const method = (await findUser(pool, contact.userId))?.contactMethods.find((m) => m.name === contact.method);
    return {
      id: contact.userId,
      name: `${contact.userName}: ${contact.method}`,
      kind: method?.kind ?? contact.kind,
      ...(method ? { send: (n, via) => sendToContactMethod(method, n, via) } : {}),
      gone: `${contact.userName}'s contact method ${contact.method} was deleted`,
    };
  };

  return {
    /**
     * Delivers one notification to one channel or person's contact method: one attempt per activity attempt, each
     * recorded (attempts, last error) in `notification_deliveries`. A failure that another attempt may cure is retried
     * after a jittered backoff (or the receiver's Retry-After, capped); one that cannot (a refused address, a 4xx, a
     * deleted channel or contact method) fails at once. Delivered once per delivery id as far as this side can tell: an
     * attempt that finds it delivered sends nothing.
     */
    async deliverNotification(input: DeliverNotificationInput): Promise<void> {
      const { notification: n } = input;
      const ctx = Context.current();
      const { attempt } = ctx.info;
      const maxAttempts = ctx.info.retryPolicy?.maximumAttempts || NOTIFICATION_RETRY.attempts;
      const to = 'channel' in input ? await channelRecipient(input.channel) : await contactRecipient(input.contact);
      const { alreadyDelivered } = await startDeliveryAttempt(pool, {
        id: n.deliveryId,
        incidentId: n.incident.id,
        channelId: to.id,
        channelName: to.name,
        channelKind: to.kind,
        kind: n.kind,
        attempt,
      });
      if (alreadyDelivered) return;
      try {
        if (!to.send) throw new DeliveryError(to.gone, false);
        await to.send(n, { guard, mailer, signal: ctx.cancellationSignal });
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
