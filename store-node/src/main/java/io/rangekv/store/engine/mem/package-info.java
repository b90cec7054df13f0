/** The memory engine: multi-version sorted map, for hot small data and tests; nothing survives a restart. */
package io.rangekv.store.engine.mem;
