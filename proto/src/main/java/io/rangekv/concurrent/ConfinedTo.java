package io.rangekv.concurrent;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The class (or method) may only be used from the named thread, so it needs no locks. Documentation for the reader;
 * where a mistake would corrupt state, the class also checks it at run time.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface ConfinedTo {
    /** The thread's name prefix, for example {@code "pd-schedule"}. */
    String value();
}
