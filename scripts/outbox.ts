/**
 * The console's local outbox (GET /dev/outbox, EMAIL_TRANSPORT=outbox):
 * `npm run dev` prints each mail as it arrives; the browser tests read it.
 */
export interface OutboxMail {
  id: number;
  to: string;
  subject: string;
  text: string;
  sentAt: number;
}

export async function readOutbox(consoleUrl: string, after = 0): Promise<OutboxMail[]> {
  const res = await fetch(`${consoleUrl}/dev/outbox?after=${after}`);
  if (!res.ok) throw new Error(`GET /dev/outbox: ${res.status}`);
  return ((await res.json()) as { mail: OutboxMail[] }).mail;
}

/** The first link in a mail's text. */
export function linkIn(mail: OutboxMail): string {
  const match = /https?:\/\/\S+/.exec(mail.text);
  if (!match) throw new Error(`no link in the mail '${mail.subject}'`);
  return match[0];
}

/** Polls the outbox every second and prints new mail, until the process ends. */
export async function printOutbox(consoleUrl: string): Promise<void> {
  let after = 0;
  for (;;) {
    try {
      for (const mail of await readOutbox(consoleUrl, after)) {
        after = mail.id;
        console.log(`\n  ✉  Mail to ${mail.to}: ${mail.subject}\n${mail.text.replace(/^/gm, "     ")}\n`);
      }
    } catch {
      // The console restarts on file changes; try again.
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
