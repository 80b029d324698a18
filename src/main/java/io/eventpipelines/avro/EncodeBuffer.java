package io.eventpipelines.avro;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;

/**
 * One growable buffer and Avro encoder per thread, reused across records: a fresh stream starts at 32
 * bytes and is copied at every doubling, which showed up as a tenth of the inventory pipeline's
 * serialization time. A buffer that grew past {@link #KEEP_AT_MOST} for an outlier is dropped after use.
 */
final class EncodeBuffer extends ByteArrayOutputStream {
    static final int KEEP_AT_MOST = 1 << 20;
    private static final ThreadLocal<EncodeBuffer> PER_THREAD = ThreadLocal.withInitial(EncodeBuffer::new);
    private BinaryEncoder encoder;

    EncodeBuffer() {
        super(256);
    }

    static EncodeBuffer get() {
        return PER_THREAD.get();
    }

    byte[] encode(byte[] header, DatumWriter<Object> writer, Object datum) throws IOException {
        reset();
        write(header, 0, header.length);
        if (encoder == null) {
            // Buffered: the datum reaches this stream in one call, not one (synchronized) call per field.
            encoder = EncoderFactory.get().binaryEncoder(this, null);
        }
        try {
            writer.write(datum, encoder);
            encoder.flush();
        } catch (Throwable e) {
            // The encoder still holds what it wrote of the failed datum and would flush it ahead of the next.
            encoder = null;
            throw e;
        }
        return toByteArray();
    }

    void release() {
        if (buf.length > KEEP_AT_MOST) {
            PER_THREAD.remove();
        }
    }
}
