/** The RangeKV benchmark targets: the Java SDK and the HTTP gateway, each against its own fresh cluster. */
package io.rangekv.bench.target.rangekv;
