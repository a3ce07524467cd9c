/**
 * Sends the console's mail: through the Email binding in production; with
 * EMAIL_TRANSPORT "outbox" (local development and tests) into the in-memory
 * outbox instead (outbox.ts), which `npm run dev` prints.
 */
import { keepInOutbox } from "./outbox";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export async function sendMail(env: Pick<ConsoleEnv, "EMAIL" | "EMAIL_FROM" | "EMAIL_TRANSPORT">, mail: Mail): Promise<void> {
  if (env.EMAIL_TRANSPORT === "outbox") {
    keepInOutbox(mail);
    return;
  }
  await env.EMAIL.send({ from: env.EMAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text });
}
