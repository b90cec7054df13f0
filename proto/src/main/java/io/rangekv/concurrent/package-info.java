/** Small concurrency building blocks shared by all modules. */
package io.rangekv.concurrent;
