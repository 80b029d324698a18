package io.eventpipelines.app;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** Walks an exception and its causes, each once (cause chains may loop). */
final class Causes {
    private Causes() {}

    static boolean any(Throwable error, Predicate<Throwable> matches) {
        return first(error, Throwable.class, matches).isPresent();
    }

    /** The first of {@code error} and its causes that is a {@code type} and matches. */
    static <T extends Throwable> Optional<T> first(Throwable error, Class<T> type, Predicate<? super T> matches) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (type.isInstance(t) && matches.test(type.cast(t))) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }
}
