package io.eventpipelines.avro;

import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A record value together with the Confluent wire-format bytes it was read from, for topologies that pass records
 * on unchanged (routing, filtering): {@link AvroSerdes#decoded} writes such a value by reusing its bytes when their
 * writer schema encodes exactly like the record's class, which saves encoding it again.
 *
 * <p>It exists for speed: the log routing pipeline writes most events exactly as they came, and reusing their bytes
 * spares an encode per record (see the hot-path notes in {@link SpecificAvroSerializer}).
 *
 * <p>Treat {@link #value()} as read-only: a step that changes a record must pass on {@link #of} the new value,
 * which has no bytes and is encoded like any other.
 *
 * @param wire the bytes read, or null for a value made in the topology
 */
public record Decoded<T extends SpecificRecord>(T value, byte[] wire) {
    public Decoded {
        Objects.requireNonNull(value, "value");
    }

    /** A value made in the topology, encoded when written. */
    public static <T extends SpecificRecord> Decoded<T> of(T value) {
        return new Decoded<>(value, null);
    }
}
