/**
 * Outgoing mail: nodemailer over SMTP_URL, or the log when SMTP_URL is unset (a fresh machine has no
 * mail server; the mail is still visible). `sendOnce` records a SentMail row after the server accepted
 * the mail, keyed so that a redelivered job does not mail twice. A crash between the SMTP answer and
 * that row can still send a mail twice: mail is at-least-once.
 */
import nodemailer from 'nodemailer';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import type { Logger } from './log.ts';

export interface Mail {
  to: string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; content: string; contentType: string }[];
}

export interface Mailer {
  /** Sends (or logs) one mail; rejects with the transport's error (SMTP 4xx and network errors are retryable). */
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** Creates the mailer from SMTP_URL and MAIL_FROM. */
export function createMailer(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM'>, logger: Logger): Mailer {
  if (!config.SMTP_URL) {
    return {
      async send(mail) {
        logger.info(
          { to: mail.to, subject: mail.subject, text: mail.text },
          'mail (SMTP_URL unset, not sent)',
        );
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(config.SMTP_URL);
  return {
    async send(mail) {
      await transport.sendMail({ from: config.MAIL_FROM, ...mail });
    },
    close: () => transport.close(),
  };
}

/**
 * Sends `mail` unless a mail under `dedupeKey` was sent before; returns whether it sent now. Mails with
 * no recipient are not sent (the caller records why on the timeline).
 */
export async function sendOnce(
  deps: { db: Pick<Db, 'prisma'>; mailer: Mailer },
  dedupeKey: string,
  mail: Mail,
  caseId?: string,
): Promise<boolean> {
  const { prisma } = deps.db;
  if (mail.to.length === 0) return false;
  if (await prisma.sentMail.findUnique({ where: { dedupeKey } })) return false;
  await deps.mailer.send(mail);
  await prisma.sentMail.create({
    data: { dedupeKey, recipients: mail.to.join(', '), subject: mail.subject, caseId: caseId ?? null },
  });
  return true;
}
