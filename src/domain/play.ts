/**
 * Plays (manifests/README.md, "Plays"): new business, expansion, churn risk — each its own
 * scoring, routing and clocks on the one engine, with at most one open alert per account and play.
 */

/** The play the manifest's top-level `scoring`, `routing` and `sla` define. */
export const NEW_BUSINESS = 'new_business';
