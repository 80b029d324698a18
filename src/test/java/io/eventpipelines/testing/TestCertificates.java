package io.eventpipelines.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority for the tests, made in-process with BouncyCastle (EC P-256 keys, so a
 * whole set takes milliseconds): server certificates for {@code localhost} and {@code 127.0.0.1}, client
 * certificates, and the PKCS12 key and trust stores Kafka, Quarkus and the app read.
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final Path dir;
    private final String storePassword;
    private final KeyPair caKeys;
    private final X509Certificate ca;

    /** A key store (one private key and its chain) or trust store written to a file. */
    public record Store(Path path, String password, String type) {}

    /**
     * A new CA whose stores go to {@code dir}, all with {@code storePassword} (the key password too, as
     * Kafka expects by default).
     */
    public TestCertificates(Path dir, String storePassword) {
        this(dir, storePassword, "event-pipelines test CA");
    }

    public TestCertificates(Path dir, String storePassword, String caName) {
        this.dir = dir;
        this.storePassword = storePassword;
        try {
            Files.createDirectories(dir);
            caKeys = keyPair();
            X500Name name = new X500Name("CN=" + caName);
            X509v3CertificateBuilder builder = builder(name, name, caKeys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic()));
            ca = sign(builder, caKeys);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the test CA", e);
        }
    }

    /** A trust store holding only this CA's certificate. */
    public Store truststore() {
        try {
            KeyStore store = emptyStore();
            store.setCertificateEntry("ca", ca);
            return write(store, "truststore.p12");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A server certificate valid for {@code localhost} and {@code 127.0.0.1}. */
    public Store server(String name) {
        return issue(
                name,
                List.of(
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    }

    /** A server certificate for a host the tests never connect to: for host name verification failures. */
    public Store serverFor(String name, String dnsName) {
        return issue(name, List.of(new GeneralName(GeneralName.dNSName, dnsName)));
    }

    /** A client certificate with subject {@code CN=<commonName>}. */
    public Store client(String commonName) {
        return issue(commonName, List.of());
    }

    private Store issue(String commonName, List<GeneralName> subjectAltNames) {
        try {
            KeyPair keys = keyPair();
            X509v3CertificateBuilder builder = builder(
                    new X500Name("CN=" + commonName),
                    X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    keys);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            // Both purposes: a broker's certificate also serves as its client certificate towards itself.
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
            }));
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca));
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(subjectAltNames.toArray(new GeneralName[0])));
            }
            X509Certificate certificate = sign(builder, caKeys);
            KeyStore store = emptyStore();
            store.setKeyEntry(
                    commonName, keys.getPrivate(), storePassword.toCharArray(), new Certificate[] {certificate, ca});
            return write(store, commonName + ".keystore.p12");
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        }
    }

    /** An SSLContext that trusts this CA only, for test clients. */
    public SSLContext trustingContext() {
        try {
            KeyStore trusted = emptyStore();
            trusted.setCertificateEntry("ca", ca);
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An SSLContext with a key store and this CA as the only trusted issuer, for test servers. */
    public SSLContext sslContext(Store keystore) {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(keystore.path())) {
                keys.load(in, keystore.password().toCharArray());
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, keystore.password().toCharArray());
            KeyStore trusted = emptyStore();
            trusted.setCertificateEntry("ca", ca);
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name subject, X500Name issuer, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))),
                subject,
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuerKeys) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return store;
    }

    private Store write(KeyStore store, String fileName) {
        Path file = dir.resolve(fileName);
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, storePassword.toCharArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return new Store(file, storePassword, "PKCS12");
    }
}
