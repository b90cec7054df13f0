/** Routing on the client: the {@link io.rangekv.client.route.RouteCache} from key to region and leader hint. */
package io.rangekv.client.route;
