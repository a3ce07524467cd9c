/** The API's views live with the self-service logic the console shares (src/self-service/views.ts). */
export { accountView, auditEntryView, iso, keyView } from "../self-service/views";
