/**
 * The versions of the documents a person accepts at sign-up. A new version of
 * a policy gets a new date here; the acceptance records (table `agreements`)
 * keep the version each account accepted.
 */
export const POLICY_VERSIONS = {
  privacy_policy: "2026-11-01",
  acceptable_use: "2026-11-01",
  age_18_plus: "1",
} as const;
