package io.eventpipelines.avro;

/**
 * Confluent's framing of a Kafka record value or key: magic byte 0, the writer schema's registry
 * id as a 4-byte big-endian int, then the Avro binary encoding of the datum.
 */
final class WireFormat {

    static final byte MAGIC_BYTE = 0;
    static final int HEADER_SIZE = 5;
    static final byte[] NO_HEADER = new byte[0];

    private WireFormat() {}

    static byte[] header(int schemaId) {
        return new byte[] {
            MAGIC_BYTE, (byte) (schemaId >>> 24), (byte) (schemaId >>> 16), (byte) (schemaId >>> 8), (byte) schemaId
        };
    }

    static int schemaId(byte[] data) {
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }
}
