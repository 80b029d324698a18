package io.eventpipelines.avro;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A never-expiring cache whose loader runs at most once per key at a time, outside any map lock.
 *
 * <p>{@link ConcurrentHashMap#computeIfAbsent} would also load once, but it holds a bin lock
 * while loading, so a slow registry call would block lookups of unrelated keys. Failed loads are
 * not cached: the next call tries again, because registry outages are transient.
 *
 * <p>A caller that waits for another caller's load waits at most the time it is given, and stops waiting when
 * interrupted: a stream thread must never hang on a registry call beyond its budget.
 */
final class SingleFlightCache<K, V> {

    private final ConcurrentHashMap<K, CompletableFuture<V>> entries = new ConcurrentHashMap<>();

    V get(K key, Function<? super K, ? extends V> loader, long waitMs) throws InterruptedException, TimeoutException {
        CompletableFuture<V> existing = entries.get(key);
        if (existing == null) {
            CompletableFuture<V> mine = new CompletableFuture<>();
            existing = entries.putIfAbsent(key, mine);
            if (existing == null) {
                return load(key, mine, loader);
            }
        }
        return await(existing, waitMs);
    }

    /** The cached value, or null if absent or still loading. */
    V getIfPresent(K key) {
        CompletableFuture<V> existing = entries.get(key);
        if (existing == null || !existing.isDone() || existing.isCompletedExceptionally()) {
            return null;
        }
        return existing.join();
    }

    /** Caches a value learnt as a side effect of another call, unless one is already present. */
    void putIfAbsent(K key, V value) {
        entries.putIfAbsent(key, CompletableFuture.completedFuture(value));
    }

    private V load(K key, CompletableFuture<V> mine, Function<? super K, ? extends V> loader) {
        V value;
        try {
            value = loader.apply(key);
        } catch (RuntimeException | Error e) {
            entries.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
        mine.complete(value);
        return value;
    }

    private static <V> V await(CompletableFuture<V> future, long waitMs) throws InterruptedException, TimeoutException {
        try {
            return future.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // Callers that joined someone else's load see that load's own exception, unwrapped, so
            // that they can handle it exactly like the caller that ran the loader.
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }
}
