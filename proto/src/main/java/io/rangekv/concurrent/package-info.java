/** Small concurrency building blocks shared by all modules, and the thread-contract annotations ({@code @ThreadSafe}, {@code @ConfinedTo}). */
package io.rangekv.concurrent;
