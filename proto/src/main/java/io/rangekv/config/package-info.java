/**
 * Config plumbing shared by every deployable: {@link io.rangekv.config.Settings} (flat key/value files, errors that
 * name the key) and {@link io.rangekv.config.DataSize}.
 */
package io.rangekv.config;
