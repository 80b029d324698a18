package io.eventpipelines.avro;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;

/**
 * Where a {@link SpecificAvroSerializer} writes one schema on one topic: the subject, the schema id the registry
 * gave, the 5-byte header already laid out, and the datum writer; with {@code use.latest.version}, the conversion
 * to the subject's latest schema. Built once per (topic, schema); see the serializer's notes on its hot path.
 */
final class WriteTarget {
    /**
     * Rewrites a datum of one schema as a datum of another that can read it, resolving fields by
     * name (and applying reader defaults) exactly as a consumer with that schema would.
     */
    static final class Conversion {
        private final DatumReader<Object> resolvingReader;
        private final DatumWriter<Object> targetWriter;

        Conversion(Schema from, Schema to) {
            // Generic data without logical-type conversions on both sides: values pass through in
            // their Avro representation, so no conversion can lose or reinterpret them.
            this.resolvingReader = new GenericDatumReader<>(from, to, GenericData.get());
            this.targetWriter = new GenericDatumWriter<>(to, GenericData.get());
        }
    }

    final String topic;
    final String subject;
    final Schema schema;
    final int schemaId;
    final byte[] header;
    final DatumWriter<Object> writer;
    final Conversion conversion;

    WriteTarget(
            String topic,
            String subject,
            Schema schema,
            int schemaId,
            DatumWriter<Object> writer,
            Conversion conversion) {
        this.topic = topic;
        this.subject = subject;
        this.schema = schema;
        this.schemaId = schemaId;
        this.header = WireFormat.header(schemaId);
        this.writer = writer;
        this.conversion = conversion;
    }

    /** By writer schema id: whether that schema has the Parsing Canonical Form of {@link #schema}. */
    private final ConcurrentHashMap<Integer, Boolean> encodesLikeById = new ConcurrentHashMap<>();
    // A topic usually carries one writer schema: the last answer spares boxing the id and a map lookup per record.
    private volatile Verdict lastVerdict;

    private record Verdict(int writerSchemaId, boolean same) {}

    boolean encodesLike(int writerSchemaId, SchemaRegistryClient client) {
        Verdict last = lastVerdict;
        if (last != null && last.writerSchemaId() == writerSchemaId) {
            return last.same();
        }
        Boolean same = encodesLikeById.get(writerSchemaId);
        if (same == null) {
            try {
                // The deserializer that produced the record has just fetched this schema: a cache hit.
                same = SpecificAvroSerializer.sameEncoding(client.getSchemaById(writerSchemaId), schema);
            } catch (RuntimeException e) {
                return false; // not remembered: the record is simply encoded anew, and the next one asks again
            }
            encodesLikeById.put(writerSchemaId, same);
        }
        lastVerdict = new Verdict(writerSchemaId, same);
        return same;
    }

    byte[] encode(Object record) throws IOException {
        EncodeBuffer buffer = EncodeBuffer.get();
        try {
            if (conversion == null) {
                return buffer.encode(header, writer, record);
            }
            byte[] own = buffer.encode(WireFormat.NO_HEADER, writer, record);
            Object converted =
                    conversion.resolvingReader.read(null, DecoderFactory.get().binaryDecoder(own, null));
            return buffer.encode(header, conversion.targetWriter, converted);
        } finally {
            buffer.release();
        }
    }
}
