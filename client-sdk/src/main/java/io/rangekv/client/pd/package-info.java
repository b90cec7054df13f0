/** The client's view of the placement driver: {@link io.rangekv.client.pd.PdClient}. */
package io.rangekv.client.pd;
