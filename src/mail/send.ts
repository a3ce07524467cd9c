/**
 * Sends mail of the console (sign-in links, email changes) and of the
 * router (low-balance notices): through the Email binding in production;
 * with EMAIL_TRANSPORT "outbox" (local development and tests) into the
 * in-memory outbox of the isolate instead (outbox.ts), which `npm run dev`
 * prints for the console.
 */
import { keepInOutbox } from "./outbox";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** What sending needs of a worker's env: the console's and the router's both have it. */
export interface MailEnv {
  EMAIL: SendEmail;
  EMAIL_FROM: string;
  EMAIL_TRANSPORT: string;
}

export async function sendMail(env: MailEnv, mail: Mail): Promise<void> {
  if (env.EMAIL_TRANSPORT === "outbox") {
    keepInOutbox(mail);
    return;
  }
  await env.EMAIL.send({ from: env.EMAIL_FROM, to: mail.to, subject: mail.subject, text: mail.text });
}
