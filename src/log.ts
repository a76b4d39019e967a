import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout, one logger per process, named by its role. */
export const createLogger = (name: string, level: string): Logger => pino({ name, level });

export type { Logger };
