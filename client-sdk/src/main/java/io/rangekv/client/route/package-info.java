/**
 * Routing on the client: the {@link io.rangekv.client.route.RouteCache} from key to region and leader hint, the one
 * retry loop ({@link io.rangekv.client.route.RegionRequestSender}), and the
 * {@link io.rangekv.client.route.PutCoalescer} that sends concurrent puts to a busy region as one batch.
 */
package io.rangekv.client.route;
