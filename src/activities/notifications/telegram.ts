import type { ChannelConfigOf } from '../../domain/escalation';
import type { Notification } from '../../domain/incident';
import { post, type Sending } from './http';
import { lines, title } from './render';

export const TELEGRAM_BASE_URL = 'https://api.telegram.org';

/**
 * Telegram Bot API `sendMessage`, plain text (no parse mode: a target's name needs no escaping). Flood control answers
 * 429 with `parameters.retry_after`, which http.ts honours. Telegram has no idempotency key.
 */
export function telegramMessage(config: ChannelConfigOf<'telegram'>, n: Notification) {
  return { chat_id: config.chatId, text: [title(n), '', ...lines(n)].join('\n').slice(0, 4096), link_preview_options: { is_disabled: true } };
}

export async function sendTelegram(config: ChannelConfigOf<'telegram'>, n: Notification, via: Sending): Promise<void> {
  await post(`${config.baseUrl ?? TELEGRAM_BASE_URL}/bot${config.botToken}/sendMessage`, JSON.stringify(telegramMessage(config, n)), {}, via);
}
