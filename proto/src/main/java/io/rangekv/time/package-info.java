/** Time as a dependency: {@link io.rangekv.time.Clock} (injected, manual in tests) and request deadlines. */
package io.rangekv.time;
