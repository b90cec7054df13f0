/**
 * The sealed error hierarchy shared by all modules, classified by what the caller must do: region errors (fix the
 * route, retry now), retryable (back off), unknown result, request errors, replica-fatal. See
 * {@link io.rangekv.error.ErrorKind}.
 */
package io.rangekv.error;
