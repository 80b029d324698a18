package io.eventpipelines.app;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;

/**
 * Who the app's Kafka clients claim to be, from their settings, for error messages: the broker has no
 * "who am I" call, and an operator reading "not authorized" first needs to know which identity was used.
 * Never includes a password: only the user name is read out of {@code sasl.jaas.config}.
 */
record ClientIdentity(String bootstrapServers, String protocol, String mechanism, String user, String keystore) {
    private static final Pattern USERNAME = Pattern.compile("\\busername\\s*=\\s*\"([^\"]*)\"");

    static ClientIdentity of(Map<String, ?> clientConfig) {
        String protocol = string(clientConfig, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                .toUpperCase(Locale.ROOT);
        boolean sasl = protocol.startsWith("SASL");
        String mechanism =
                sasl ? string(clientConfig, SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM) : null;
        String user = null;
        if (sasl) {
            Object jaas = clientConfig.get(SaslConfigs.SASL_JAAS_CONFIG);
            String text = jaas instanceof Password p ? p.value() : jaas == null ? "" : jaas.toString();
            Matcher matcher = USERNAME.matcher(text);
            user = matcher.find() ? matcher.group(1) : null;
        }
        String keystore =
                protocol.endsWith("SSL") ? string(clientConfig, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, null) : null;
        return new ClientIdentity(
                string(clientConfig, CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "?"),
                protocol,
                mechanism,
                user,
                keystore);
    }

    /** The principal the broker most likely sees, as ACLs name it. */
    String principal() {
        if (user != null) {
            return "User:" + user;
        }
        if (mechanism != null) {
            return "the " + mechanism + " user";
        }
        if (keystore != null && protocol.equals("SSL")) {
            return "the principal of the client certificate in " + keystore;
        }
        return "User:ANONYMOUS";
    }

    /** e.g. {@code security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, user 'app'}. */
    String describe() {
        StringBuilder text = new StringBuilder("security.protocol=").append(protocol);
        if (mechanism != null) {
            text.append(", sasl.mechanism=").append(mechanism);
        }
        if (user != null) {
            text.append(", user '").append(user).append('\'');
        }
        if (keystore != null) {
            text.append(", client certificate ").append(keystore);
        }
        return text.toString();
    }

    private static String string(Map<String, ?> config, String key, String defaultValue) {
        Object value = config.get(key);
        return value == null || value.toString().isBlank()
                ? defaultValue
                : value.toString().trim();
    }
}
