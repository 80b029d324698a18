package io.eventpipelines.app.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request URI's path segments and query, decoded as URIs are (not as HTML forms are). */
final class UriParts {
    private UriParts() {}

    /** A request this endpoint cannot answer as asked: 400 with the message. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    /**
     * Percent-decodes a path segment or query part as URIs are decoded, not as HTML forms are: {@code +} is
     * {@code +} ({@code %20} is a space), so product ids with {@code +} are found. The JDK's server already
     * refuses a {@code %} not followed by two hex digits (400); escapes that are not UTF-8 are refused here, rather
     * than replaced by U+FFFD and answered for a product nobody asked for.
     */
    static String decoded(String raw) {
        StringBuilder decoded = new StringBuilder(raw.length());
        ByteArrayOutputStream escaped = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) != '%') {
                decoded.append(utf8(escaped, raw)).append(raw.charAt(i));
                continue;
            }
            int high = i + 1 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
            int low = i + 2 < raw.length() ? hex(raw.charAt(i + 2)) : -1;
            if (high < 0 || low < 0) {
                throw new BadRequest("malformed percent-encoding in '" + raw + "'");
            }
            escaped.write(high * 16 + low);
            i += 2;
        }
        return decoded.append(utf8(escaped, raw)).toString();
    }

    /** Consecutive escapes, as one UTF-8 sequence; then empties {@code escaped}. */
    private static String utf8(ByteArrayOutputStream escaped, String raw) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(escaped.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadRequest("percent-encoding in '" + raw + "' is not UTF-8");
        } finally {
            escaped.reset();
        }
    }

    private static int hex(char c) {
        return c < 128 ? Character.digit(c, 16) : -1;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            params.put(decoded(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decoded(pair.substring(eq + 1)));
        }
        return params;
    }
}
