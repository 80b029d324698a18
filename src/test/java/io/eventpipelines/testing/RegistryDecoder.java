package io.eventpipelines.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Decodes Confluent wire-format records the way an outside consumer would, sharing no code with the app's
 * serde: the schema comes from the registry's REST API ({@code GET /schemas/ids/{id}}) and the bytes are
 * read with plain Avro into {@link GenericRecord}s in the writer's schema.
 */
public final class RegistryDecoder {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String registryUrl;
    private final String authorization;
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    public RegistryDecoder(String registryUrl) {
        this(registryUrl, HttpClient.newHttpClient(), null);
    }

    /** For a registry behind TLS ({@code http} trusting it) and basic auth ({@code user:password}, or null). */
    public RegistryDecoder(String registryUrl, HttpClient http, String userInfo) {
        this.registryUrl = registryUrl;
        this.http = http;
        this.authorization = userInfo == null
                ? null
                : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    public GenericRecord decode(byte[] wire) {
        if (wire == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(wire);
        if (buffer.get() != 0) {
            throw new IllegalArgumentException("not Confluent wire format: magic byte " + wire[0]);
        }
        int id = buffer.getInt();
        Schema schema = schemas.computeIfAbsent(id, this::fetch);
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null);
            GenericRecord record = new GenericDatumReader<GenericRecord>(schema).read(null, decoder);
            if (!decoder.isEnd()) {
                throw new IllegalArgumentException("trailing bytes after the record");
            }
            return record;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema id a wire-format record carries. */
    public static int schemaId(byte[] wire) {
        return ByteBuffer.wrap(wire, 1, 4).getInt();
    }

    private Schema fetch(int id) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registryUrl + "/schemas/ids/" + id))
                    .header("Accept", "application/vnd.schemaregistry.v1+json");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "GET /schemas/ids/" + id + " -> " + response.statusCode() + " " + response.body());
            }
            return new Schema.Parser()
                    .parse(JSON.readTree(response.body()).get("schema").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
