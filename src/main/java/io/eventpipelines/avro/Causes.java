package io.eventpipelines.avro;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Walks an exception and its causes, each once (cause chains may loop). The project's only cause walker; it lives
 * in {@code avro}, the package everything else may depend on, so that the serde and the app share it.
 */
public final class Causes {
    private Causes() {}

    /** {@code error} and its causes, outermost first, each once. */
    public static List<Throwable> chain(Throwable error) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    public static boolean any(Throwable error, Predicate<Throwable> matches) {
        return chain(error).stream().anyMatch(matches);
    }

    /** The first of {@code error} and its causes that is a {@code type} and matches. */
    public static <T extends Throwable> Optional<T> first(
            Throwable error, Class<T> type, Predicate<? super T> matches) {
        return chain(error).stream()
                .filter(type::isInstance)
                .map(type::cast)
                .filter(matches)
                .findFirst();
    }

    /** The innermost cause's message, or its class name when it has none. */
    public static String rootMessage(Throwable error) {
        List<Throwable> chain = chain(error);
        Throwable root = chain.get(chain.size() - 1);
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }

    /**
     * Every message along the chain, joined with ": ", skipping causes without one and messages already said (a
     * wrapper often repeats its cause's).
     */
    public static String messages(Throwable error) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t : chain(error)) {
            if (t.getMessage() != null && messages.indexOf(t.getMessage()) < 0) {
                messages.append(messages.length() == 0 ? "" : ": ").append(t.getMessage());
            }
        }
        return messages.length() == 0 ? error.toString() : messages.toString();
    }
}
