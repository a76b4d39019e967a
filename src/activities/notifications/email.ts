import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Notification } from '../../domain/incident';
import { DeliveryError } from './errors';
import { lines, title } from './render';

export interface MailSettings {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`; unset: e-mail channels fail, saying so. */
  smtpUrl?: string;
  from: string;
}

/**
 * E-mail over SMTP. The relay is the operator's own (from the environment), not an address an API user wrote, so the
 * probes' address guard does not apply to it. The Message-ID is derived from the delivery id, the same on every
 * attempt, so a retry after a lost answer threads as the same message and mail systems can drop the duplicate.
 */
export class Mailer {
  private readonly transport?: Transporter;

  constructor(private readonly settings: MailSettings) {
    this.transport = settings.smtpUrl
      ? nodemailer.createTransport({
          url: settings.smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 20_000,
        } satisfies SMTPTransport.Options)
      : undefined;
  }

  async send(config: { addresses: string[] }, n: Notification): Promise<void> {
    if (!this.transport) throw new DeliveryError('e-mail is not configured: set VIGIL_SMTP_URL', false);
    try {
      await this.transport.sendMail({
        from: this.settings.from,
        to: config.addresses,
        subject: title(n),
        text: `${lines(n).join('\n')}\n\n(delivery ${n.deliveryId})\n`,
        messageId: `<${n.deliveryId}@vigil>`,
        headers: { 'Idempotency-Key': n.deliveryId, 'X-Vigil-Incident': n.incident.id, 'X-Vigil-Event': `incident.${n.kind}` },
      });
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      // SMTP 5xx is a permanent refusal (unknown mailbox, relay denied); 4xx and connection failures are transient.
      const permanent = e.responseCode !== undefined && e.responseCode >= 500;
      throw new DeliveryError(`SMTP: ${e.message}`, !permanent);
    }
  }
}
