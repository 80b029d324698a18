package io.eventpipelines.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** An HTTP server on a free loopback port that answers every request with one status and body, e.g. a registry refusing us. */
public final class StaticHttpServer implements AutoCloseable {
    private final HttpServer server;

    private StaticHttpServer(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    /** Answers with {@code status} and Confluent's error JSON. */
    public static StaticHttpServer registryError(int status, int errorCode, String message) throws IOException {
        return new StaticHttpServer(status, "{\"error_code\":" + errorCode + ",\"message\":\"" + message + "\"}");
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
