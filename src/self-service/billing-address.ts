import { z } from "zod";
import { isIsoCountryCode } from "../shared/countries";

/**
 * A billing address, as the operator creates it and the customer corrects it.
 * Every field is optional (an address is filled in over time); the country is
 * an assigned ISO 3166-1 alpha-2 code in upper case, e.g. "DE", as invoices
 * and VAT rules need it.
 */
export const billingAddressSchema = z
  .object({
    line1: z.string().max(200),
    line2: z.string().max(200),
    city: z.string().max(100),
    postal_code: z.string().max(20),
    country: z.string().refine(isIsoCountryCode, { message: "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. \"DE\"" }),
  })
  .partial()
  .strict();
