package io.eventpipelines.avro;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * TLS to the Schema Registry from Confluent's {@code schema.registry.ssl.*} keys: a trust store for the
 * registry's certificate, a key store for a client certificate (mutual TLS), and host name verification.
 *
 * <p>The stores are read when the configuration is parsed, so a wrong path or password is a configuration
 * error naming the key at start, not a failure on the first record.
 */
public final class RegistryTls {

    private static final String HIDDEN = "[hidden]";

    private final String truststoreLocation;
    private final String keystoreLocation;
    private final boolean hostnameVerification;
    private final SSLContext context;

    private RegistryTls(
            String truststoreLocation, String keystoreLocation, boolean hostnameVerification, SSLContext context) {
        this.truststoreLocation = truststoreLocation;
        this.keystoreLocation = keystoreLocation;
        this.hostnameVerification = hostnameVerification;
        this.context = context;
    }

    static RegistryTls parse(Map<String, ?> configs) {
        String truststore = string(configs, AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION);
        String keystore = string(configs, AvroSerdeConfig.SSL_KEYSTORE_LOCATION);
        String algorithm = configs.containsKey(AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM)
                ? String.valueOf(configs.get(AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM))
                        .trim()
                : "https";
        boolean verifyHost;
        if (algorithm.isEmpty()) {
            verifyHost = false;
        } else if (algorithm.equalsIgnoreCase("https")) {
            verifyHost = true;
        } else {
            throw new ConfigException(
                    AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM,
                    algorithm,
                    "expected https, or empty to turn host name verification off");
        }
        if (truststore == null && keystore == null && verifyHost) {
            return new RegistryTls(null, null, true, null);
        }
        try {
            TrustManager[] trust = trustManagers(configs, truststore, verifyHost);
            KeyManagerFactory keys = keystore == null ? null : keyManagers(configs, keystore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust, null);
            return new RegistryTls(truststore, keystore, verifyHost, context);
        } catch (GeneralSecurityException e) {
            throw new ConfigException("Cannot set up TLS to the Schema Registry: " + e.getMessage());
        }
    }

    /** The context for HTTPS calls, or empty for the JDK's defaults. */
    public Optional<SSLContext> context() {
        return Optional.ofNullable(context);
    }

    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    @Override
    public String toString() {
        return AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION + "=" + truststoreLocation
                + ", " + AvroSerdeConfig.SSL_KEYSTORE_LOCATION + "=" + keystoreLocation
                + ", " + AvroSerdeConfig.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM + "="
                + (hostnameVerification ? "https" : "");
    }

    private static TrustManager[] trustManagers(Map<String, ?> configs, String location, boolean verifyHost)
            throws GeneralSecurityException {
        KeyStore store = location == null
                ? null
                : load(
                        location,
                        AvroSerdeConfig.SSL_TRUSTSTORE_LOCATION,
                        type(configs, AvroSerdeConfig.SSL_TRUSTSTORE_TYPE),
                        password(configs, AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD),
                        AvroSerdeConfig.SSL_TRUSTSTORE_PASSWORD);
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store); // null: the JDK's default trust store
        TrustManager[] managers = factory.getTrustManagers();
        if (verifyHost) {
            return managers;
        }
        // The JDK's HttpClient always asks for HTTPS host name checks (only a JVM-wide system property turns
        // them off). The checks happen in the trust manager's SSLEngine variant: answering it with the plain
        // variant keeps the chain validation and drops only the host name check, for this client alone.
        for (int i = 0; i < managers.length; i++) {
            if (managers[i] instanceof X509TrustManager x509) {
                managers[i] = new WithoutHostnameCheck(x509);
            }
        }
        return managers;
    }

    private static KeyManagerFactory keyManagers(Map<String, ?> configs, String location)
            throws GeneralSecurityException {
        char[] storePassword = password(configs, AvroSerdeConfig.SSL_KEYSTORE_PASSWORD);
        KeyStore store = load(
                location,
                AvroSerdeConfig.SSL_KEYSTORE_LOCATION,
                type(configs, AvroSerdeConfig.SSL_KEYSTORE_TYPE),
                storePassword,
                AvroSerdeConfig.SSL_KEYSTORE_PASSWORD);
        char[] keyPassword = password(configs, AvroSerdeConfig.SSL_KEY_PASSWORD);
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        try {
            // As in Kafka, the key password defaults to the store's.
            factory.init(
                    store, keyPassword != null ? keyPassword : storePassword != null ? storePassword : new char[0]);
        } catch (UnrecoverableKeyException e) {
            throw new ConfigException(
                    AvroSerdeConfig.SSL_KEY_PASSWORD, HIDDEN, "cannot recover the private key: " + e.getMessage());
        }
        return factory;
    }

    private static KeyStore load(String location, String locationKey, String type, char[] password, String passwordKey)
            throws GeneralSecurityException {
        KeyStore store;
        try {
            store = KeyStore.getInstance(type);
        } catch (KeyStoreException e) {
            throw new ConfigException(
                    locationKey.replace("location", "type"), type, "not a key store type this JVM knows");
        }
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            store.load(in, password);
        } catch (NoSuchFileException e) {
            throw new ConfigException(locationKey, location, "no such file");
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")) {
                throw new ConfigException(passwordKey, HIDDEN, "wrong password for " + location);
            }
            throw new ConfigException(
                    locationKey, location, "cannot be read as a " + type + " key store: " + e.getMessage());
        } catch (CertificateException e) {
            throw new ConfigException(
                    locationKey, location, "holds a certificate that cannot be read: " + e.getMessage());
        }
        return store;
    }

    private static String type(Map<String, ?> configs, String key) {
        String type = string(configs, key);
        return type == null ? AvroSerdeConfig.SSL_STORE_TYPE_DEFAULT : type.toUpperCase(Locale.ROOT);
    }

    private static char[] password(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value == null) {
            return null;
        }
        // Kafka hands PASSWORD-typed values around as its Password wrapper, whose toString() hides them.
        String text = value instanceof Password p ? p.value() : value.toString();
        return text.toCharArray();
    }

    private static String string(Map<String, ?> configs, String key) {
        Object value = configs.get(key);
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        return value.toString().trim();
    }

    /** Chain validation by the JDK's trust manager, without the host name check (endpoint identification ""). */
    private static final class WithoutHostnameCheck extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;

        WithoutHostnameCheck(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
